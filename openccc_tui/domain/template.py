"""The Multi Account Creation template (SPEC BULK-1) and the field paths of its messages (BULK-4)."""

TEMPLATE_FILE_NAME = "bulkAccountCreateTemplate.csv"

TEMPLATE_COLUMNS: tuple[str, ...] = (
    "email",
    "first",
    "last",
    "middle",
    "suffix",
    "preferred",
    "dob",
    "accepted-terms",
    "homeless",
    "street1",
    "street2",
    "city",
    "state",
    "postal",
    "country",
    "phone-number",
    "phone-type",
    "password",
    "use_temp_password",
    "status",
    "cccid",
    "message",
)

RESULT_COLUMNS: tuple[str, ...] = ("status", "cccid", "message")

# Column -> the field path used in `errorCode:…,field:<path>` messages.
FIELD_PATHS: dict[str, str] = {
    "email": "email",
    "first": "name.first",
    "last": "name.last",
    "middle": "name.middle",
    "suffix": "name.suffix",
    "preferred": "name.preferred",
    "dob": "dob",
    "accepted-terms": "terms.accepted",
    "homeless": "address.homeless",
    "street1": "address.street1",
    "street2": "address.street2",
    "city": "address.city",
    "state": "address.state",
    "postal": "address.postal_code",
    "country": "address.country",
    "phone-number": "phone.number",
    "phone-type": "phone.type",
    "password": "password",
    "use_temp_password": "use_temp_password",
    # Add User only (ADD-1): the deprecated user name and the typed-twice confirmations.
    "username": "username",
    "email-confirm": "email.confirm",
    "dob-confirm": "dob.confirm",
    "password-confirm": "password.confirm",
}
