"""Consume envelopes from a transport and persist them through a state connector.

Delivery is at least once: a batch is acknowledged only after its writes reached
the backend (lww mode flushes first). A message that can never succeed (poison,
or a compare-and-swap that lost) goes to the transport's dead-letter place with
the reason; a backend outage raises and leaves the batch unacknowledged, to be
redelivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from state_proxy.connector import StateConnector
from state_proxy.envelope import PoisonError, parse
from state_proxy.store import ConflictError
from state_proxy.transports import Delivery, Transport


@dataclass
class Outcome:
    stored: list[str] = field(default_factory=list)  # keys
    dead_lettered: list[str] = field(default_factory=list)  # reasons


@dataclass
class Pipeline:
    transport: Transport
    state: StateConnector
    batch: int = 10

    def poll(self) -> Outcome:
        """Handle one batch (possibly empty) and report what happened to it."""
        outcome = Outcome()
        done: list[Delivery] = []
        for delivery in self.transport.receive(self.batch):
            try:
                envelope = parse(delivery.body)
                if envelope.conditional:
                    self.state.compare_and_swap(envelope.key, envelope.value, envelope.if_version)
                else:
                    self.state.write(envelope.key, envelope.value)
            except (PoisonError, ConflictError) as error:
                reason = f"{type(error).__name__}: {error}"
                self.transport.dead_letter(delivery, reason)
                outcome.dead_lettered.append(reason)
                continue
            done.append(delivery)
            outcome.stored.append(envelope.key)
        self.state.flush()
        for delivery in done:
            self.transport.ack(delivery)
        return outcome
