"""Forms of the community pages: a community, posts and replies, moderation, ideas, events."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import Form, as_choices, int_or_none

from .communities import VISIBILITY_LABELS

MARKDOWN_HINT = ("Markdown: **bold**, *italic*, `code`, lists and links. "
                 "Mention a colleague with @[Full Name].")


class CommunityForm(Form):
    name = StringField("Name", validators=[DataRequired("Give the community a name."),
                                           Length(max=120)])
    capability_ids = SelectMultipleField("Capabilities it is about", coerce=int,
                                         validators=[Optional()],
                                         description="Hold Ctrl (⌘ on a Mac) to choose several.")
    topic = StringField("Or a free topic", validators=[Optional(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    visibility = RadioField("Who can join", default="open",
                            choices=as_choices(list(VISIBILITY_LABELS.items())))


class PostForm(Form):
    kind = RadioField("Kind", default="question",
                      choices=as_choices([("question", "A question"), ("post", "A post")]))
    title = StringField("Title", validators=[DataRequired("Give it a title."), Length(max=200)])
    body = TextAreaField("Text", validators=[Optional(), Length(max=20_000)],
                         description=MARKDOWN_HINT)


class EditPostForm(Form):
    title = StringField("Title", validators=[DataRequired("Give it a title."), Length(max=200)])
    body = TextAreaField("Text", validators=[Optional(), Length(max=20_000)],
                         description=MARKDOWN_HINT)


class ReplyForm(Form):
    body = TextAreaField("Your reply", validators=[DataRequired("Write a reply first."),
                                                   Length(max=20_000)],
                         description=MARKDOWN_HINT)


class ReasonForm(Form):
    reason = StringField("Reason", validators=[DataRequired("Give a reason."), Length(max=300)])


class VoteForm(Form):
    value = HiddenField()


class MemberForm(Form):
    user_id = SelectField("Colleague", coerce=int_or_none, validators=[InputRequired()])


class DecisionForm(Form):
    reason = StringField("Reason (needed to decline)", validators=[Optional(), Length(max=300)])


class SettingsForm(Form):
    require_approval = BooleanField(
        "Admins approve new communities",
        description="When ticked, a community proposed by anyone but an admin waits for an "
                    "admin's approval before it opens.")


class IdeaForm(Form):
    title = StringField("What should we learn?", validators=[DataRequired("Say what."),
                                                             Length(max=200)])
    capability_id = SelectField("For which capability", coerce=int_or_none,
                                validators=[Optional()])
    why = TextAreaField("Why", validators=[DataRequired("Say why it matters."),
                                           Length(max=5000)])


class CommentForm(Form):
    body = TextAreaField("Comment", validators=[DataRequired("Write a comment first."),
                                                Length(max=5000)])


class IdeaAnswerForm(Form):
    status = SelectField("Answer", choices=as_choices([
        ("open", "Open"), ("planned", "Planned"), ("added", "Added"), ("declined", "Declined")]))
    response = TextAreaField("Response", validators=[Optional(), Length(max=2000)],
                             description="Needed when you decline: say why.")
    offering_id = SelectField("It became the offering", coerce=int_or_none,
                              validators=[Optional()])
    pathway_id = SelectField("Or the pathway", coerce=int_or_none, validators=[Optional()])


class EventForm(Form):
    title = StringField("Title", validators=[DataRequired("Give the event a title."),
                                             Length(max=200)])
    kind = SelectField("Kind", choices=as_choices([
        ("talk", "Talk"), ("workshop", "Workshop"), ("study_group", "Study group"),
        ("office_hours", "Office hours")]))
    starts_at = DateTimeLocalField("Starts", format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired("Give a start time.")])
    minutes = IntegerField("Length in minutes", default=60,
                           validators=[InputRequired(), NumberRange(15, 12 * 60)])
    timezone = SelectField("Time zone", validators=[DataRequired()])
    capacity = IntegerField("Capacity", validators=[Optional(), NumberRange(1, 10_000)],
                            description="Leave empty for no limit.")
    online_url = URLField("Online link", validators=[Optional(), Length(max=500)])
    place = StringField("Or a place", validators=[Optional(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)],
                                description=MARKDOWN_HINT)
