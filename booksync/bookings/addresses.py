"""Which email addresses booksync accepts: those its mailer can deliver to (the email-validator library).

An address the mailer refuses later (a control character, ``root@localhost``,
``a@[127.0.0.1]``) would leave a booking whose confirmation can never go out,
so the API and the forms refuse it up front with the same rules: deliverable
syntax, a dotted public domain name (no IP literals, no reserved names), no
quoted or non-ASCII local parts. The DNS is not asked (no network call on a
booking).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class RefusedAddress(ValueError):
    pass


def clean_address(value: str) -> str:
    """The address in its normal form (domain lower-cased), or ``RefusedAddress`` saying why not."""
    try:
        result = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False,
                                allow_quoted_local=False, allow_domain_literal=False, allow_display_name=False)
    except EmailNotValidError as exc:
        raise RefusedAddress(str(exc)) from exc
    return result.normalized
