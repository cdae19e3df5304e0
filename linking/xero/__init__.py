"""The seam between the CRM and Xero: the only package that imports xero_python.

Functions here take a XeroConnection (for its tenant and tokens) and return plain dataclasses from
`linking.xero.types`; every failure arrives as one `XeroError`.
"""
