from urllib.parse import urlsplit

from django import forms

from clusters.models import Source
from clusters.sources.canonical import canonical_url


def same_feed(url: str) -> str:
    """The feed address as two sources would share it: canonical, and without a trailing slash or http/https difference."""
    canonical = canonical_url(url)
    return canonical.split("://", 1)[-1].rstrip("/")


class SourceForm(forms.ModelForm):
    feed_url = forms.URLField(
        max_length=2000, required=False, assume_scheme="https", label="Feed address",
        help_text="RSS, Atom or JSON Feed address.",
    )
    site_url = forms.URLField(max_length=2000, required=False, assume_scheme="https", label="Site address")
    licence_url = forms.URLField(max_length=500, required=False, assume_scheme="https", label="Licence address")

    class Meta:
        model = Source
        fields = [
            "name", "feed_url", "site_url", "language", "domain", "trust", "poll_interval_minutes", "enabled",
            "licence", "licence_url",
        ]
        labels = {"poll_interval_minutes": "Poll every (minutes)", "licence": "Licence notice"}
        widgets = {"licence": forms.TextInput(attrs={"size": 80})}

    def clean_feed_url(self) -> str:
        url = self.cleaned_data["feed_url"].strip()
        if url and urlsplit(url).scheme.lower() not in {"http", "https"}:
            raise forms.ValidationError("The feed address must start with http:// or https://.")
        if url:
            wanted = same_feed(url)
            others = Source.objects.exclude(feed_url="").exclude(pk=self.instance.pk).only("name", "feed_url")
            for other in others:
                if same_feed(other.feed_url) == wanted:
                    raise forms.ValidationError(
                        f"The source “{other.name}” already reads this feed ({other.feed_url}). "
                        "Edit that source instead of adding the feed twice."
                    )
        return url

    def clean_poll_interval_minutes(self) -> int:
        minutes = self.cleaned_data["poll_interval_minutes"]
        if minutes < 1:
            raise forms.ValidationError("Poll at most once a minute: enter 1 or more.")
        return minutes

    def clean_trust(self) -> int:
        trust = self.cleaned_data["trust"]
        if not 1 <= trust <= 5:
            raise forms.ValidationError("Trust goes from 1 (least) to 5 (most).")
        return trust

    def save(self, commit: bool = True) -> Source:
        source = super().save(commit=False)
        if "enabled" in self.changed_data and source.enabled:
            source.resume()
        if commit:
            source.save()
        return source
