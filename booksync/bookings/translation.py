"""The studio's own texts in every shipped language (django-modeltranslation, ADR 0020).

Reading ``service.name`` gives the active language's text, else the default language's.
"""

from django.conf import settings
from django.db.models.signals import pre_save
from modeltranslation.translator import TranslationOptions, register

from .models import Question, Service, Studio


@register(Service)
class ServiceTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Studio)
class StudioTranslation(TranslationOptions):
    fields = ("tagline", "about")


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("label", "help_text")


TRANSLATED = {Service: ServiceTranslation.fields, Studio: StudioTranslation.fields,
              Question: QuestionTranslation.fields}


def fill_default_language(sender, instance, **kwargs) -> None:
    """A text typed in another language only (an admin working in German) is the default language's
    too until someone translates it: every page then has a text to fall back to."""
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    for name in TRANSLATED[sender]:
        if getattr(instance, f"{name}_{default}", None):
            continue
        found = next((getattr(instance, f"{name}_{code}", None) for code in settings.MODELTRANSLATION_LANGUAGES
                      if getattr(instance, f"{name}_{code}", None)), None)
        if found:
            setattr(instance, f"{name}_{default}", found)


for model in TRANSLATED:
    pre_save.connect(fill_default_language, sender=model, dispatch_uid=f"fill-default-{model.__name__}")


def texts_without_fallback() -> list[str]:
    """Every studio text some language has but the default language lacks (a page in a language
    without it would show nothing): "Service 3 name", … The signal above keeps this empty."""
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    missing = []
    for model, fields in TRANSLATED.items():
        for row in model.objects.all():
            for name in fields:
                values = [getattr(row, f"{name}_{code}", None) for code in settings.MODELTRANSLATION_LANGUAGES]
                if any(values) and not getattr(row, f"{name}_{default}", None):
                    missing.append(f"{model.__name__} {row.pk} {name}")
    return missing
