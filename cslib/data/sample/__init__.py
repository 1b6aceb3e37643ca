"""A seeded synthetic customer-service operation with a known improvement in it.

Six teams handle tickets by e-mail, chat, phone and web from January to October
2026. On their go-live dates three teams adopt a change — a resolution knowledge
base with first-contact-resolution coaching — whose effect is injected with a
known size (:data:`~cslib.data.sample.operation.INJECTED_EFFECTS`); the other three teams are untouched
controls. The effect reaches a ticket when its team has gone live *and* its agent
has completed the training, so training can be tied to outcomes.

The operation has weekly seasonality, a month-start billing peak, a network
outage in March, a price-change letter in September, slow growth, and a slow
drift in resolution times common to all teams (so naive before/after
comparisons mislead and the control teams matter).

Tables (data contract of :mod:`cslib.data.schema`): tickets (Parquet), complaints,
SERVQUAL survey and importance weights, feedback comments, training records and
agents (CSV), plus the cycle file ``cycle.yaml`` of the improvement.

The modules: :mod:`~cslib.data.sample.operation` (teams, channels, the change
and its effect, the calendar), :mod:`~cslib.data.sample.staff` (agents and
training), :mod:`~cslib.data.sample.tickets`, :mod:`~cslib.data.sample.responses`
(complaints, feedback, survey) and :mod:`~cslib.data.sample.write`.

Examples
--------
>>> from cslib.data.sample import generate_tickets
>>> t = generate_tickets(n_tickets=2_000, seed=1)
>>> len(t), sorted(t.channel.unique())
(2000, ['chat', 'email', 'phone', 'web'])
"""

from cslib.data.sample.operation import RESOLUTION_FACTOR, TEAMS
from cslib.data.sample.responses import THEMES
from cslib.data.sample.write import generate_tickets, write_sample, write_tickets

__all__ = [
    "RESOLUTION_FACTOR",
    "TEAMS",
    "THEMES",
    "generate_tickets",
    "write_sample",
    "write_tickets",
]
