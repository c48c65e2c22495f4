from app.core.errors import Conflict, NotFound, UnprocessableEntity


class AddressBlockNotFound(NotFound):
    title = "Address block not found"


class DuplicateBlock(Conflict):
    slug, title = "duplicate-address-block", "The registry already has this network"


class InvalidBlock(UnprocessableEntity):
    slug, title = "invalid-address-block", "Not a valid address block"
