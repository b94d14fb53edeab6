"""The page's HTML: one self-contained document, readable on a phone, without scripts.

Every piece of text goes through html.escape on its way in (carrier messages and tracking
numbers may hold markup). Styles live in one <style> element, which the Content-Security-Policy
allows by its hash (see endpoint.py); no style attributes, so nothing else may style the page.
"""

from functools import lru_cache
from html import escape

from trackline.tracking_page.branding import Branding
from trackline.tracking_page.stages import STAGES
from trackline.tracking_page.view import Estimate, Moment, PageView, TimelineEntry
from trackline.tracking_page.wording import Wording

_TONE_COLORS = {"attention": "#b45309", "problem": "#c62828", "done": "#2e7d32", "stale": "#616e7c", "waiting": "#616e7c"}

_STYLE = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f4f5f7;color:#1f2933;line-height:1.5;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Noto Sans CJK JP",sans-serif}
.brand{background:BRAND;color:ON_BRAND;padding:12px 16px;display:flex;align-items:center;gap:12px;min-height:56px}
.brand img{height:32px;width:auto;max-width:160px;object-fit:contain}
.brand span{font-weight:600;font-size:1.05rem}
main{max-width:40rem;margin:0 auto;padding:16px 12px}
.card{background:#fff;border-radius:12px;padding:20px 16px;margin:0 0 16px;box-shadow:0 1px 3px rgba(31,41,51,.08)}
.number{margin:0;color:#616e7c;font-size:.875rem;overflow-wrap:anywhere}
.number strong{color:#1f2933}
h1{margin:4px 0;font-size:1.6rem;line-height:1.25}
h2{margin:0 0 12px;font-size:1.1rem}
.lead{margin:0 0 16px;color:#3e4c59}
.progress{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:6px}
.progress li{border-top:6px solid #e4e7eb;border-radius:3px;padding-top:8px;font-size:.75rem;color:#7b8794;overflow-wrap:anywhere;hyphens:auto}
.progress li.reached{border-top-color:BRAND;color:#1f2933}
.progress li.current{font-weight:700}
.facts{margin:16px 0 0;display:grid;gap:12px}
.facts dt{font-size:.8rem;color:#616e7c}
.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.facts dd span{display:block;font-weight:400}
a{color:LINK;text-underline-offset:2px}
.timeline ol{list-style:none;margin:0;padding:0}
.timeline li{position:relative;margin-left:6px;padding:0 0 16px 18px;border-left:2px solid #e4e7eb}
.timeline li:last-child{border-left-color:transparent}
.timeline li::before{content:"";position:absolute;left:-7px;top:5px;width:12px;height:12px;border-radius:50%;background:#cbd2d9}
.timeline li:first-child::before{background:BRAND}
.timeline time,.timeline .when{display:block;font-size:.8rem;color:#616e7c}
.timeline p{margin:2px 0 0;overflow-wrap:anywhere}
.timeline .message{color:#1f2933}
.timeline li:first-child .message{font-weight:600}
.timeline .detail{font-size:.875rem;color:#616e7c}
.empty{margin:0;color:#616e7c}
footer{text-align:center;color:#7b8794;font-size:.8rem;padding:0 16px 24px}
@media (min-width:40rem){h1{font-size:2rem}.card{padding:24px}.facts{grid-template-columns:1fr 1fr}}
"""


@lru_cache(maxsize=8)
def stylesheet(branding: Branding) -> str:
    css = _STYLE.replace("ON_BRAND", branding.text_on_color).replace("BRAND", branding.hex_color).replace("LINK", branding.link_color)
    tones = "".join(
        f".tone-{tone} h1{{color:{color}}}.tone-{tone} .progress li.current{{border-top-color:{color}}}"
        for tone, color in _TONE_COLORS.items()
        if tone != "waiting"
    )
    return css.strip() + "\n" + tones + "\n"


def page_html(view: PageView, wording: Wording, branding: Branding) -> str:
    title = f"{wording.labels['track_button']} {view.tracking_number}"
    body = _summary(view, wording) + _timeline(view, wording)
    footer = f"<footer>{escape(wording.text('footer', brand_name=branding.name))}</footer>"
    return _document(wording, branding, title, body, footer)


def error_html(title: str, message: str, wording: Wording, branding: Branding) -> str:
    body = f'<section class="card"><h1>{escape(title)}</h1><p class="lead">{escape(message)}</p></section>'
    return _document(wording, branding, title, body)


def _document(wording: Wording, branding: Branding, title: str, body: str, footer: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(wording.language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow"><meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)} · {escape(branding.name)}</title>"
        f"<style>{stylesheet(branding)}</style></head>"
        f"<body>{_header(branding)}<main>{body}</main>{footer}</body></html>\n"
    )


def _header(branding: Branding) -> str:
    logo = f'<img src="{escape(branding.logo_url)}" alt="">' if branding.logo_origin else ""
    return f'<header class="brand">{logo}<span>{escape(branding.name)}</span></header>'


def _summary(view: PageView, wording: Wording) -> str:
    progress = view.progress
    steps = "".join(_step(index, label, progress.reached, wording) for index, label in enumerate(progress.labels))
    step_text = wording.text("step_of", step=progress.reached, steps=len(STAGES))
    return (
        f'<section class="card summary tone-{escape(progress.tone)}">'
        f'<p class="number">{escape(wording.labels["tracking_number"] + wording.labels["label_separator"])}'
        f"<strong>{escape(view.tracking_number)}</strong></p>"
        f"<h1>{escape(wording.tag_names.get(view.tag, view.tag))}</h1>"
        f'<p class="lead">{escape(wording.summaries.get(view.tag, ""))}</p>'
        f'<ol class="progress" aria-label="{escape(wording.labels["progress"])}: {escape(step_text)}">{steps}</ol>'
        f'<dl class="facts">{_facts(view, wording)}</dl></section>'
    )


def _step(index: int, label: str, reached: int, wording: Wording) -> str:
    name = escape(wording.tag_names[label])
    if index + 1 == reached:
        return f'<li class="reached current" aria-current="step">{name}</li>'
    return f'<li class="{"reached" if index < reached else "ahead"}">{name}</li>'


def _facts(view: PageView, wording: Wording) -> str:
    facts = []
    if view.delivered is not None:
        facts.append((wording.labels["delivered_on"], _day(view.delivered, wording)))
    elif view.estimate is not None:
        facts.append((wording.labels["expected_delivery"], _estimate(view.estimate, wording)))
    if view.courier is not None:
        facts.append((wording.labels["carrier"], _courier(view.courier.name, view.courier.link, wording)))
    for other in view.other_couriers:
        facts.append((wording.labels["other_carriers"], _courier(other.name, other.link, wording)))
    return "".join(f"<div><dt>{escape(label)}</dt><dd>{value}</dd></div>" for label, value in facts)


def _courier(name: str, link: str | None, wording: Wording) -> str:
    if link is None:
        return escape(name)
    text = wording.text("track_with", courier_name=name)
    return f'{escape(name)}<span><a href="{escape(link)}" rel="noopener noreferrer nofollow">{escape(text)}</a></span>'


def _estimate(estimate: Estimate, wording: Wording) -> str:
    if estimate.last is None:
        return _day(estimate.first, wording)
    return f"{_day(estimate.first, wording)} – {_day(estimate.last, wording)}"


def _day(moment: Moment, wording: Wording) -> str:
    return escape(wording.date(moment.day) if moment.day else moment.raw)


def _timeline(view: PageView, wording: Wording) -> str:
    heading = f'<h2>{escape(wording.labels["history"])}</h2>'
    if not view.timeline:
        return f'<section class="card timeline">{heading}<p class="empty">{escape(wording.labels["no_events"])}</p></section>'
    entries = "".join(_entry(entry, wording) for entry in view.timeline)
    return f'<section class="card timeline">{heading}<ol>{entries}</ol></section>'


def _entry(entry: TimelineEntry, wording: Wording) -> str:
    parts = [_when(entry.moment, wording)]
    if entry.message:
        parts.append(f'<p class="message">{escape(entry.message)}</p>')
    details = [detail for detail in (entry.place, entry.courier_name) if detail]
    if details:
        parts.append(f'<p class="detail">{escape(" · ".join(details))}</p>')
    tag = f' class="tag-{escape(entry.tag)}"' if entry.tag else ""
    return f"<li{tag}>{''.join(parts)}</li>"


def _when(moment: Moment | None, wording: Wording) -> str:
    if moment is None:
        return ""
    if moment.day is None:
        return f'<span class="when">{escape(moment.raw)}</span>'
    text = wording.date(moment.day) + (f", {moment.time_of_day}" if moment.time_of_day else "")
    return f'<time datetime="{escape(moment.raw)}">{escape(text)}</time>'
