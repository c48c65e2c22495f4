from app.core.errors import Conflict, NotFound, UnprocessableEntity


class WebhookNotFound(NotFound):
    title = "Webhook not found"


class DeliveryNotFound(NotFound):
    title = "Webhook delivery not found"


class InvalidWebhookUrl(UnprocessableEntity):
    slug, title = "invalid-webhook-url", "The webhook URL is not allowed"


class DeliveryPending(Conflict):
    slug, title = "delivery-pending", "The delivery is still being attempted"
