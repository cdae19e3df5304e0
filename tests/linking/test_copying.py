"""Copying details between a CRM record and its Xero contact: adding only, never overwriting."""

from __future__ import annotations

from linking.copying import describe, describe_refusals, plan_copy_from_xero, plan_copy_to_xero
from linking.records import RecordAddress, RecordPerson, RecordProfile
from linking.xero.types import Address, Contact, ContactPerson, Phone

XERO_ID = "8138a266-fb42-49b2-a104-014b7045753d"
NO_ADDRESS = RecordAddress()


def person(
    *,
    name: str = "Jane Doe",
    first: str = "Jane",
    last: str = "Doe",
    email: str = "",
    phone: str = "",
    mobile: str = "",
    address: RecordAddress = NO_ADDRESS,
) -> RecordProfile:
    """A CRM contact's profile."""
    return RecordProfile(
        kind="contact",
        name=name,
        first_name=first,
        last_name=last,
        email=email,
        phones=(("phone", phone), ("mobile", mobile)),
        address=address,
    )


def organization(
    *,
    name: str = "Acme Parts Co.",
    email: str = "",
    phone: str = "",
    mobile: str = "",
    address: RecordAddress = NO_ADDRESS,
    people: tuple[RecordPerson, ...] = (),
) -> RecordProfile:
    """A CRM organization's profile."""
    return RecordProfile(
        kind="organization",
        name=name,
        email=email,
        phones=(("phone", phone), ("mobile", mobile)),
        address=address,
        people=people,
    )


def xero_contact(
    *,
    name: str = "Jane Doe",
    first: str = "",
    last: str = "",
    email: str = "",
    phones: tuple[Phone, ...] = (),
    addresses: tuple[Address, ...] = (),
    persons: tuple[ContactPerson, ...] = (),
) -> Contact:
    return Contact(
        contact_id=XERO_ID,
        name=name,
        first_name=first,
        last_name=last,
        email=email,
        phones=phones,
        addresses=addresses,
        persons=persons,
    )


QUEEN_ST = RecordAddress(
    line1="1 Queen St",
    line2="Level 2",
    city="Auckland",
    region="Auckland",
    postal_code="1010",
    country="New Zealand",
)
FULL_SLOTS = (
    Phone("DEFAULT", "09 111 1111"),
    Phone("MOBILE", "021 222 2222"),
    Phone("DDI", "09 333 3333"),
)


# To Xero.


def test_it_fills_the_empty_xero_names_and_email():
    plan = plan_copy_to_xero(person(email="jane@example.com"), xero_contact())
    assert plan.copied == ["first name Jane", "last name Doe", "email jane@example.com"]
    assert (plan.draft.first_name, plan.draft.last_name, plan.draft.email) == (
        "Jane",
        "Doe",
        "jane@example.com",
    )


def test_it_never_replaces_a_filled_xero_field():
    contact = xero_contact(first="Janet", last="Doe-Smith", email="accounts@doe.example")
    plan = plan_copy_to_xero(person(email="jane@example.com"), contact)
    assert plan.copied == []
    assert plan.draft is None
    assert not plan.changes_anything


def test_it_fills_only_the_empty_one_of_several_xero_fields():
    contact = xero_contact(first="Janet", email="accounts@doe.example")
    plan = plan_copy_to_xero(person(email="jane@example.com"), contact)
    assert plan.copied == ["last name Doe"]
    assert (plan.draft.first_name, plan.draft.last_name, plan.draft.email) == ("", "Doe", "")


def test_it_never_renames_the_xero_contact():
    plan = plan_copy_to_xero(
        organization(name="Acme Parts Limited", email="ap@acme.example"),
        xero_contact(name="Acme Parts Co."),
    )
    assert plan.copied == ["email ap@acme.example"]
    assert plan.draft.name == ""


def test_an_organization_has_no_first_or_last_name_to_copy():
    plan = plan_copy_to_xero(organization(email="ap@acme.example"), xero_contact(name="Acme"))
    assert (plan.draft.first_name, plan.draft.last_name) == ("", "")
    assert not any("name" in line for line in plan.copied)


def test_each_crm_phone_goes_to_its_own_kind_of_xero_slot():
    plan = plan_copy_to_xero(person(phone="09 555 0101", mobile="021 555 0102"), xero_contact())
    assert set(plan.draft.phones) == {
        Phone("DEFAULT", "09 555 0101"),
        Phone("MOBILE", "021 555 0102"),
    }
    assert plan.copied == [
        "first name Jane",
        "last name Doe",
        "phone 09 555 0101 (as Xero's phone)",
        "mobile 021 555 0102 (as Xero's mobile)",
    ]


def test_a_phone_whose_own_slot_is_taken_goes_to_the_first_empty_slot():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("DEFAULT", "09 111 1111"),))
    plan = plan_copy_to_xero(person(phone="09 555 0101"), contact)
    assert plan.copied == ["phone 09 555 0101 (as Xero's mobile)"]
    assert Phone("MOBILE", "09 555 0101") in plan.draft.phones


def test_with_phone_and_mobile_slots_taken_a_number_goes_to_direct_dial():
    contact = xero_contact(
        first="Jane",
        last="Doe",
        phones=(Phone("DEFAULT", "09 111 1111"), Phone("MOBILE", "021 222 2222")),
    )
    plan = plan_copy_to_xero(person(mobile="027 555 0103"), contact)
    assert plan.copied == ["mobile 027 555 0103 (as Xero's direct dial)"]
    assert Phone("DDI", "027 555 0103") in plan.draft.phones


def test_a_mobile_whose_own_slot_is_taken_goes_to_the_empty_phone_slot():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("MOBILE", "021 222 2222"),))
    plan = plan_copy_to_xero(person(mobile="027 555 0103"), contact)
    assert plan.copied == ["mobile 027 555 0103 (as Xero's phone)"]
    assert Phone("DEFAULT", "027 555 0103") in plan.draft.phones


def test_a_fax_number_does_not_take_a_phone_slot():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("FAX", "09 444 4444"),))
    plan = plan_copy_to_xero(person(phone="09 555 0101"), contact)
    assert plan.copied == ["phone 09 555 0101 (as Xero's phone)"]


def test_it_keeps_existing_phone_numbers():
    existing = (Phone("DEFAULT", "(626) 847-1294"), Phone("FAX", "09 444 4444"))
    contact = xero_contact(first="Jane", last="Doe", phones=existing)
    plan = plan_copy_to_xero(person(mobile="021 555 0102"), contact)
    assert sorted(plan.draft.phones, key=lambda p: p.type) == [
        Phone("DEFAULT", "(626) 847-1294"),
        Phone("FAX", "09 444 4444"),
        Phone("MOBILE", "021 555 0102"),
    ]


def test_it_sends_no_phones_when_it_adds_none():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("DEFAULT", "09 111 1111"),))
    plan = plan_copy_to_xero(person(email="jane@example.com"), contact)
    assert plan.draft.phones == ()


def test_a_number_already_in_xero_in_another_format_is_not_copied_again():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("DEFAULT", "02 9555 0101"),))
    plan = plan_copy_to_xero(person(phone="+61 2 9555 0101", mobile="(02) 9555-0101"), contact)
    assert plan.copied == []
    assert plan.refused == []
    assert plan.draft is None


def test_a_number_already_in_another_xero_slot_is_not_copied_again():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("DDI", "021 555 0102"),))
    plan = plan_copy_to_xero(person(mobile="021-555-0102"), contact)
    assert plan.copied == []


def test_the_same_number_in_both_crm_fields_is_copied_once():
    plan = plan_copy_to_xero(person(phone="021 555 0102", mobile="021 555 0102"), xero_contact())
    assert [p.number for p in plan.draft.phones] == ["021 555 0102"]


def test_with_every_xero_phone_slot_full_the_number_is_refused_by_name():
    contact = xero_contact(first="Jane", last="Doe", phones=FULL_SLOTS)
    plan = plan_copy_to_xero(person(phone="09 555 0101", mobile="021 555 0102"), contact)
    assert plan.refused == [
        "phone 09 555 0101: every phone slot in Xero is filled",
        "mobile 021 555 0102: every phone slot in Xero is filled",
    ]
    assert plan.copied == []
    assert plan.draft is None


def test_an_organizations_second_phone_is_refused_by_its_own_label():
    contact = xero_contact(name="Acme", phones=FULL_SLOTS)
    plan = plan_copy_to_xero(organization(mobile="09 555 0199"), contact)
    assert plan.refused == ["mobile / second phone 09 555 0199: every phone slot in Xero is filled"]


def test_a_refused_number_does_not_stop_the_rest_being_copied():
    contact = xero_contact(first="Jane", last="Doe", phones=FULL_SLOTS)
    plan = plan_copy_to_xero(person(email="jane@example.com", phone="09 555 0101"), contact)
    assert plan.copied == ["email jane@example.com"]
    assert plan.refused == ["phone 09 555 0101: every phone slot in Xero is filled"]
    assert plan.draft.email == "jane@example.com"
    assert plan.draft.phones == ()


def test_the_address_is_copied_as_a_street_address_when_xero_has_none():
    plan = plan_copy_to_xero(person(address=QUEEN_ST), xero_contact(first="Jane", last="Doe"))
    assert plan.copied == ["street address"]
    assert plan.draft.addresses == (
        Address("STREET", ("1 Queen St", "Level 2"), "Auckland", "Auckland", "1010", "New Zealand"),
    )


def test_an_empty_xero_address_counts_as_none():
    contact = xero_contact(first="Jane", last="Doe", addresses=(Address("STREET"),))
    plan = plan_copy_to_xero(person(address=RecordAddress(city="Auckland")), contact)
    assert plan.draft.addresses == (Address("STREET", (), "Auckland"),)


def test_the_address_is_not_copied_over_a_xero_street_address():
    contact = xero_contact(
        first="Jane", last="Doe", addresses=(Address("STREET", ("9 Other Rd",), "Wellington"),)
    )
    plan = plan_copy_to_xero(person(address=QUEEN_ST), contact)
    assert plan.copied == []
    assert plan.draft is None


def test_the_address_is_not_copied_when_xero_has_a_postal_address():
    contact = xero_contact(
        first="Jane", last="Doe", addresses=(Address("POBOX", ("PO Box 5",), "Wellington"),)
    )
    plan = plan_copy_to_xero(person(address=QUEEN_ST), contact)
    assert plan.copied == []


def test_an_empty_crm_address_is_not_copied():
    plan = plan_copy_to_xero(person(), xero_contact(first="Jane", last="Doe"))
    assert plan.draft is None


def test_describe_says_exactly_what_was_copied_to_xero():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("DEFAULT", "09 111 1111"),))
    plan = plan_copy_to_xero(
        person(email="jane@example.com", phone="09 555 0101", address=QUEEN_ST), contact
    )
    assert describe(plan, direction="to Xero") == (
        "Copied to Xero: email jane@example.com; phone 09 555 0101 (as Xero's mobile); "
        "street address."
    )


def test_describe_says_when_there_was_nothing_to_copy():
    plan = plan_copy_to_xero(person(), xero_contact(first="Jane", last="Doe"))
    assert describe(plan, direction="to Xero") == (
        "Nothing to copy to Xero: the other side already has everything."
    )


# From Xero.


def test_it_fills_the_empty_crm_names_and_email_from_xero():
    contact = xero_contact(first="Blake", last="Kohler", email="bk@krave.co")
    plan = plan_copy_from_xero(person(name="Blake", first="Blake", last=""), contact)
    assert plan.record_changes == {"last_name": "Kohler", "email": "bk@krave.co"}
    assert plan.copied == ["last name Kohler", "email bk@krave.co"]


def test_it_never_replaces_a_filled_crm_field():
    contact = xero_contact(first="Janet", last="Smith", email="other@example.com")
    plan = plan_copy_from_xero(person(email="jane@example.com"), contact)
    assert plan.record_changes == {}
    assert describe(plan, direction="from Xero") == (
        "Nothing to copy from Xero: the other side already has everything."
    )


def test_an_organization_takes_no_first_or_last_name_from_xero():
    contact = xero_contact(name="Acme", first="Blake", last="Kohler", email="bk@krave.co")
    plan = plan_copy_from_xero(organization(), contact)
    assert plan.record_changes == {"email": "bk@krave.co"}


def test_each_xero_phone_goes_to_its_own_kind_of_crm_field():
    contact = xero_contact(
        first="Jane",
        last="Doe",
        phones=(Phone("MOBILE", "021 222 2222"), Phone("DEFAULT", "09 111 1111")),
    )
    plan = plan_copy_from_xero(person(), contact)
    assert plan.record_changes == {"phone": "09 111 1111", "mobile": "021 222 2222"}
    assert plan.copied == [
        "Xero's phone 09 111 1111 (as phone)",
        "Xero's mobile 021 222 2222 (as mobile)",
    ]


def test_a_xero_phone_whose_crm_field_is_filled_goes_to_the_other_field():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("DEFAULT", "09 111 1111"),))
    plan = plan_copy_from_xero(person(phone="09 555 0101"), contact)
    assert plan.record_changes == {"mobile": "09 111 1111"}
    assert plan.copied == ["Xero's phone 09 111 1111 (as mobile)"]


def test_a_direct_dial_goes_to_the_first_empty_crm_field():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("DDI", "09 333 3333"),))
    plan = plan_copy_from_xero(person(), contact)
    assert plan.record_changes == {"phone": "09 333 3333"}


def test_a_fax_number_is_not_copied_into_a_phone_field():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("FAX", "09 444 4444"),))
    plan = plan_copy_from_xero(person(), contact)
    assert plan.record_changes == {}


def test_a_number_the_crm_already_has_in_another_format_is_not_copied():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("MOBILE", "+61 2 9555 0101"),))
    plan = plan_copy_from_xero(person(phone="02 9555 0101"), contact)
    assert plan.record_changes == {}
    assert plan.refused == []


def test_with_both_crm_phone_fields_filled_xeros_number_is_refused_by_name():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("DEFAULT", "(626) 847-1294"),))
    plan = plan_copy_from_xero(person(phone="09 555 0101", mobile="021 555 0102"), contact)
    assert plan.refused == ["Xero's phone (626) 847-1294: both phone fields in the CRM are filled"]
    assert plan.record_changes == {}


def test_xeros_phone_and_mobile_win_the_crm_fields_over_its_direct_dial():
    # Xero lists phones as DDI, DEFAULT, FAX, MOBILE (see getContact in Xero's spec).
    contact = xero_contact(
        first="Blake",
        last="Kohler",
        phones=(
            Phone("DDI", "4 345 489-44493"),
            Phone("DEFAULT", "1 604 408-0914"),
            Phone("FAX", "2 123 123-9933"),
            Phone("MOBILE", "3 234 999-44"),
        ),
    )
    plan = plan_copy_from_xero(person(name="Blake Kohler", first="Blake", last="Kohler"), contact)
    assert plan.record_changes == {"phone": "1 604 408-0914", "mobile": "3 234 999-44"}
    assert plan.refused == [
        "Xero's direct dial 4 345 489-44493: both phone fields in the CRM are filled"
    ]


def test_xeros_street_address_fills_an_empty_crm_address():
    street = Address("STREET", ("123 Fake Street", "Unit 4", "Rear"), "Vancouver", "BC", "V6B 2T4")
    contact = xero_contact(first="Jane", last="Doe", addresses=(street,))
    plan = plan_copy_from_xero(person(), contact)
    assert plan.record_changes == {
        "address_line1": "123 Fake Street",
        "address_line2": "Unit 4, Rear",
        "city": "Vancouver",
        "region": "BC",
        "postal_code": "V6B 2T4",
    }
    assert plan.copied == ["street address"]


def test_the_street_address_is_preferred_to_the_postal_one():
    contact = xero_contact(
        first="Jane",
        last="Doe",
        addresses=(
            Address("POBOX", ("PO Box 5",), "Wellington"),
            Address("STREET", ("1 Queen St",), "Auckland"),
        ),
    )
    plan = plan_copy_from_xero(person(), contact)
    assert plan.record_changes == {"address_line1": "1 Queen St", "city": "Auckland"}


def test_a_postal_address_is_copied_when_xero_has_no_street_address():
    contact = xero_contact(
        first="Jane", last="Doe", addresses=(Address("POBOX", ("PO Box 5",), "Wellington"),)
    )
    plan = plan_copy_from_xero(person(), contact)
    assert plan.record_changes == {"address_line1": "PO Box 5", "city": "Wellington"}
    assert plan.copied == ["postal address"]


def test_xeros_address_completes_a_partly_filled_crm_address_where_it_is_empty():
    # Issue 14: the CRM holds only the country; Xero's street and city go into the empty parts.
    contact = xero_contact(
        first="Jane", last="Doe", addresses=(Address("STREET", ("1 Queen St",), "Auckland"),)
    )
    plan = plan_copy_from_xero(person(address=RecordAddress(country="New Zealand")), contact)
    assert plan.record_changes == {"address_line1": "1 Queen St", "city": "Auckland"}
    assert plan.copied == ["street 1 Queen St and city Auckland (from Xero's street address)"]
    assert plan.kept == []


def test_xeros_address_is_not_mixed_into_a_different_crm_address():
    contact = xero_contact(
        first="Jane", last="Doe", addresses=(Address("STREET", ("1 Queen St",), "Auckland"),)
    )
    plan = plan_copy_from_xero(person(address=RecordAddress(city="Wellington")), contact)
    assert plan.record_changes == {}
    assert plan.kept == [
        "Street and city of Xero's street address not copied: "
        "the CRM already has an address (Wellington)."
    ]
    assert describe(plan, direction="from Xero") == "Nothing copied from Xero."


def test_describe_says_exactly_what_was_copied_from_xero():
    contact = xero_contact(
        first="Jane",
        last="Doe",
        email="jane@doe.example",
        phones=(Phone("MOBILE", "021 222 2222"),),
        addresses=(Address("POBOX", ("PO Box 5",), "Wellington"),),
    )
    plan = plan_copy_from_xero(organization(), contact)
    assert describe(plan, direction="from Xero") == (
        "Copied from Xero: email jane@doe.example; "
        "Xero's mobile 021 222 2222 (as mobile / second phone); postal address."
    )


def test_each_crm_number_takes_its_own_kind_of_xero_slot_before_any_other():
    # Xero's phone slot is taken: the CRM mobile still goes to Xero's mobile slot, and the CRM
    # phone (whose own slot is full) to the next empty one, the direct dial.
    contact = xero_contact(phones=(Phone("DEFAULT", "09 000 0000"),))
    plan = plan_copy_to_xero(person(phone="09 111 1111", mobile="021 222 2222"), contact)
    assert [c for c in plan.copied if "name" not in c] == [
        "phone 09 111 1111 (as Xero's direct dial)",
        "mobile 021 222 2222 (as Xero's mobile)",
    ]


def test_an_email_the_crm_cannot_hold_is_named_not_copied():
    plan = plan_copy_from_xero(person(), xero_contact(email="accounts@intranet"))
    assert "email" not in plan.record_changes
    assert plan.refused == ["Xero's email accounts@intranet: not an email address the CRM accepts"]


# Issue 14: what Xero holds goes back exactly as Xero gave it, or not at all.

ISSUE_PHONE = Phone("DEFAULT", "8905 9959", area_code="07", country_code="61")
ISSUE_MOBILE = Phone("MOBILE", "412 345 678", country_code="61")
HOBART = RecordAddress(
    line1="1 Test St", city="Hobart", region="TAS", postal_code="7000", country="Australia"
)


def test_xeros_phones_go_back_with_every_part_beside_a_new_one():
    contact = xero_contact(first="Jane", last="Doe", phones=(ISSUE_PHONE, ISSUE_MOBILE))
    plan = plan_copy_to_xero(person(phone="07 8905 9959", mobile="03 6200 1111"), contact)
    assert plan.copied == ["mobile 03 6200 1111 (as Xero's direct dial)"]
    assert plan.draft.phones == (ISSUE_PHONE, ISSUE_MOBILE, Phone("DDI", "03 6200 1111"))


def test_a_number_xero_holds_in_parts_is_the_same_number_written_whole():
    contact = xero_contact(first="Jane", last="Doe", phones=(ISSUE_PHONE, ISSUE_MOBILE))
    plan = plan_copy_to_xero(person(phone="+61 7 8905 9959", mobile="0412 345 678"), contact)
    assert (plan.copied, plan.refused, plan.draft) == ([], [], None)


def test_xeros_phone_is_copied_to_the_crm_whole():
    contact = xero_contact(first="Jane", last="Doe", phones=(ISSUE_PHONE,))
    plan = plan_copy_from_xero(person(), contact)
    assert plan.record_changes == {"phone": "61 07 8905 9959"}
    assert plan.copied == ["Xero's phone 61 07 8905 9959 (as phone)"]


def test_a_phone_slot_holding_only_an_area_code_is_not_empty():
    contact = xero_contact(first="Jane", last="Doe", phones=(Phone("DEFAULT", "", "07"),))
    plan = plan_copy_to_xero(person(phone="09 555 0101"), contact)
    assert plan.copied == ["phone 09 555 0101 (as Xero's mobile)"]
    assert Phone("DEFAULT", "", "07") in plan.draft.phones


def test_an_address_holding_only_hobart_is_completed_around_it():
    street = Address("STREET", city="Hobart", attention_to="Front desk")
    postal = Address("POBOX", ("", "PO Box 9"), "Hobart", postal_code="7001")
    contact = xero_contact(first="Jane", last="Doe", addresses=(street, postal))
    plan = plan_copy_to_xero(person(address=HOBART), contact)
    assert plan.copied == [
        "street 1 Test St, region TAS, postal code 7000 and country Australia "
        "(added to Xero's street address)"
    ]
    assert plan.draft.addresses == (
        Address("STREET", ("1 Test St",), "Hobart", "TAS", "7000", "Australia", "Front desk"),
        postal,  # exactly as Xero gave it, its empty first line in place
    )
    assert describe(plan, direction="to Xero").startswith("Copied to Xero: street 1 Test St")


def test_xeros_own_spelling_of_a_part_both_hold_stays():
    contact = xero_contact(first="Jane", last="Doe", addresses=(Address("STREET", city="hobart"),))
    plan = plan_copy_to_xero(person(address=HOBART), contact)
    assert plan.draft.addresses[0].city == "hobart"
    assert plan.kept == []


def test_a_second_address_line_goes_into_xeros_empty_second_line_only():
    contact = xero_contact(
        first="Jane", last="Doe", addresses=(Address("STREET", ("1 Queen St",), "Auckland"),)
    )
    plan = plan_copy_to_xero(person(address=QUEEN_ST), contact)
    assert plan.draft.addresses == (
        Address("STREET", ("1 Queen St", "Level 2"), "Auckland", "Auckland", "1010", "New Zealand"),
    )
    assert plan.copied == [
        "address line 2 Level 2, region Auckland, postal code 1010 and country New Zealand "
        "(added to Xero's street address)"
    ]


def test_a_different_xero_address_is_left_alone_and_each_part_named():
    contact = xero_contact(
        first="Jane", last="Doe", addresses=(Address("STREET", ("9 Other Rd",), "Wellington"),)
    )
    plan = plan_copy_to_xero(person(address=QUEEN_ST), contact)
    assert plan.draft is None
    assert plan.kept == [
        "Street, address line 2, city, region, postal code and country not copied: "
        "Xero already has an address (9 Other Rd, Wellington)."
    ]
    assert describe(plan, direction="to Xero") == "Nothing copied to Xero."


def test_a_xero_postal_address_is_named_when_the_address_is_not_copied():
    contact = xero_contact(
        first="Jane", last="Doe", addresses=(Address("POBOX", ("PO Box 5",), "Wellington"),)
    )
    plan = plan_copy_to_xero(person(address=QUEEN_ST), contact)
    assert plan.kept == [
        "Address not copied: Xero already has a postal address (PO Box 5, Wellington)."
    ]


def test_xeros_street_fills_the_empty_crm_street_and_says_so():
    # Issue 14: the CRM's street was empty, Xero held "1 Test St": nothing copied, nothing said.
    contact = xero_contact(
        first="Jane", last="Doe", addresses=(Address("STREET", ("1 Test St",), "Hobart"),)
    )
    plan = plan_copy_from_xero(person(address=RecordAddress(city="Hobart")), contact)
    assert plan.record_changes == {"address_line1": "1 Test St"}
    assert describe(plan, direction="from Xero") == (
        "Copied from Xero: street 1 Test St (from Xero's street address)."
    )


def test_values_each_side_holds_are_named_not_copied():
    contact = xero_contact(first="Janet", last="Doe", email="accounts@doe.example")
    plan = plan_copy_to_xero(person(email="jane@example.com"), contact)
    assert plan.kept == [
        "First name not copied: Xero already has Janet.",
        "Email not copied: Xero already has accounts@doe.example.",
    ]
    # Every field in Xero is filled: that much is still true.
    assert describe(plan, direction="to Xero") == (
        "Nothing to copy to Xero: the other side already has everything."
    )
    back = plan_copy_from_xero(person(email="jane@example.com"), contact)
    assert back.kept == [
        "Xero's first name not copied: the CRM already has Jane.",
        "Xero's email not copied: the CRM already has jane@example.com.",
    ]


def people(*names: str) -> tuple[RecordPerson, ...]:
    return tuple(
        RecordPerson(n.split()[0], n.split()[1], f"{n.split()[0].lower()}@acme.example")
        for n in names
    )


def test_an_organizations_contacts_become_xero_contact_persons():
    plan = plan_copy_to_xero(organization(people=people("Ann Lee", "Bo Chen")), xero_contact())
    assert plan.draft.persons == (
        ContactPerson("Ann", "Lee", "ann@acme.example"),
        ContactPerson("Bo", "Chen", "bo@acme.example"),
    )
    assert plan.copied == [
        "contact person Ann Lee (ann@acme.example)",
        "contact person Bo Chen (bo@acme.example)",
    ]


def test_contact_persons_stop_at_xeros_five_and_the_rest_are_named():
    held = (ContactPerson("Zed", "Young", "zed@acme.example", include_in_emails=True),)
    everyone = people("Ann Lee", "Bo Chen", "Cy Diaz", "Di Evans", "Ed Fox", "Flo Gray", "Gus Hu")
    plan = plan_copy_to_xero(organization(people=everyone), xero_contact(persons=held))
    assert plan.draft.persons == (held[0], *(ContactPerson(p.first_name, p.last_name, p.email)
                                             for p in everyone[:4]))  # fmt: skip
    assert plan.not_added == [
        "3 people not added: Xero allows 5 contact persons (Ed Fox, Flo Gray and Gus Hu)."
    ]
    assert describe_refusals(plan) == plan.not_added[0]


def test_with_five_contact_persons_in_xero_nobody_is_added():
    held = tuple(ContactPerson(p.first_name, p.last_name, p.email) for p in people(
        "Ann Lee", "Bo Chen", "Cy Diaz", "Di Evans", "Ed Fox"))  # fmt: skip
    plan = plan_copy_to_xero(organization(people=people("Flo Gray")), xero_contact(persons=held))
    assert plan.draft is None
    assert plan.not_added == ["1 person not added: Xero allows 5 contact persons (Flo Gray)."]
    assert describe(plan, direction="to Xero") == "Nothing copied to Xero."


def test_people_xero_already_has_are_not_added_again():
    contact = xero_contact(
        name="Acme",
        first="Pat",
        last="Main",
        email="pat@acme.example",
        persons=(ContactPerson("Ann", "Lee", ""),),
    )
    crm = (
        RecordPerson("Patricia", "Main", "PAT@acme.example"),  # Xero's own person, by email
        RecordPerson("ann", "lee", "ann@acme.example"),  # one of its people, by name
        RecordPerson("Bo", "Chen", ""),
        RecordPerson("Bo", "Chen", ""),  # twice in the CRM: added once
    )
    plan = plan_copy_to_xero(organization(people=crm), contact)
    assert plan.draft.persons == (ContactPerson("Ann", "Lee", ""), ContactPerson("Bo", "Chen", ""))
    assert plan.copied == ["contact person Bo Chen"]
