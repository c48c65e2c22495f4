from app.core.errors import Conflict, NotFound
from app.routing.rules import InvalidRuleset

__all__ = ["InvalidRuleset", "NoActiveRuleset", "RulesetNotDraft", "RulesetNotFound"]


class RulesetNotFound(NotFound):
    title = "Ruleset not found"


class RulesetNotDraft(Conflict):
    slug, title = "ruleset-not-draft", "Only a draft ruleset can be changed or deleted"


class NoActiveRuleset(Conflict):
    slug, title = "no-active-ruleset", "The exercise has no active ruleset"
