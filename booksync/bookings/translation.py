"""The studio's own texts in every shipped language (django-modeltranslation, ADR 0020).

Reading ``service.name`` gives the active language's text, else the default language's.
"""

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
