"""Interaction callbacks (``?with_response=1``) and webhook follow-ups, as Discord answers them."""

from __future__ import annotations

import logging
from typing import Any

from . import payloads as p
from . import validate as v
from .records import Call, FakeInteraction, Reject

_log = logging.getLogger(__name__)

TOKEN_LIFETIME = 15 * 60  # seconds an interaction token works for follow-ups and edits


class InteractionRoutes:
    """REST handlers for /interactions and /webhooks; mixed into FakeDiscord (uses its state)."""

    def _interaction(self, call: Call, key: str = "interaction_id") -> FakeInteraction:
        if key == "interaction_id":
            found = self.interactions.get(int(call.params["interaction_id"]))
            if found is None or found.token != call.params["token"]:
                raise Reject(404, 10062, "Unknown interaction")
            return found
        if int(call.params["app_id"]) != self.application_id:
            raise Reject(404, 10015, "Unknown Webhook")
        for found in self.interactions.values():
            if found.token == call.params["token"]:
                if self.now() - found.created_at > TOKEN_LIFETIME:
                    raise Reject(401, 50027, "Invalid Webhook Token")
                return found
        raise Reject(404, 10015, "Unknown Webhook")

    def _interaction_message(self, inter: FakeInteraction, body: dict[str, Any], flags: int = 0) -> dict[str, Any]:
        payload = inter.payload
        channel_id = int(payload["channel_id"])
        user = payload.get("member", {}).get("user") or payload.get("user")
        data = self._bot_message(
            channel_id,
            {**body, "flags": (body.get("flags") or 0) | flags},
            interaction_metadata={
                "id": payload["id"],
                "type": payload["type"],
                "user": user,
                "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
            },
            webhook_id=self.application_id,
        )
        data["application_id"] = str(self.application_id)
        self.messages[int(data["id"])] = data
        return data

    async def _callback(self, call: Call) -> tuple[int, Any]:
        inter = self._interaction(call)
        if call.query.get("with_response") not in ("1", "true", "True"):
            _log.warning("fakediscord: interaction callback without with_response")
        if inter.callbacks:
            raise Reject(400, 40060, "Interaction has already been acknowledged.")
        if call.received_at + self.clock_offset - inter.created_at > self.interaction_window:
            _log.warning(
                "fakediscord: interaction %s answered after %.2fs",
                inter.id,
                call.received_at + self.clock_offset - inter.created_at,
            )
            raise Reject(404, 10062, "Unknown interaction")
        body = call.json or {}
        kind, data = body.get("type"), body.get("data") or {}
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}[inter.payload["type"]]
        if kind not in allowed:
            raise Reject(
                400,
                40043,
                f"Interaction callback type {kind} is not valid for interaction type {inter.payload['type']}",
            )
        errors: list[str] = []
        if kind in (4, 7):
            errors = v.message_errors(data, edit=kind == 7)
        elif kind == 8:
            errors = v.autocomplete_errors(data)
        elif kind == 9:
            errors = v.modal_errors(data)
        if errors:
            self._invalid(call, errors)
        message: dict[str, Any] | None = None
        if kind == 4:
            message = self._interaction_message(inter, data)
        elif kind == 5:
            message = self._interaction_message(
                inter, {"content": ""}, flags=p.LOADING | ((data.get("flags") or 0) & p.EPHEMERAL)
            )
        elif kind in (6, 7):
            source = inter.payload.get("message")
            message = self.messages.get(int(source["id"])) if source else None
            if message is None and source is not None:
                message = self.messages[int(source["id"])] = dict(source)
            if kind == 7 and message is not None:
                for key in ("content", "embeds", "components"):
                    if key in data:
                        message[key] = data[key]
                message["edited_timestamp"] = p.now_iso()
        inter.callbacks.append(body)
        if message is not None:
            inter.original = message  # for 6 and 7, @original is the message the component is on
            if kind in (4, 5, 7):
                inter.messages.append(message)
        response: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.payload["type"],
                "activity_instance_id": None,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message.get("flags", 0) & p.EPHEMERAL),
            }
        }
        if message is not None:
            response["resource"] = {"type": kind, "message": message}
        return 200, response

    async def _followup(self, call: Call) -> tuple[int, Any]:
        inter = self._interaction(call, key="webhook")
        if not inter.callbacks:
            raise Reject(404, 10015, "Unknown Webhook")
        body = call.json or {}
        errors = v.message_errors(body)
        if errors:
            self._invalid(call, errors)
        original = inter.original
        if original is not None and original.get("flags", 0) & p.LOADING:
            ephemeral = original["flags"] & p.EPHEMERAL
            for key in ("content", "embeds", "components"):
                original[key] = body.get(key) or ([] if key != "content" else "")
            original["flags"] = ((body.get("flags") or 0) & ~p.EPHEMERAL) | ephemeral  # the defer decided
            original["mention_everyone"] = self._mention_everyone(body)
            return 200, original
        data = self._interaction_message(inter, body)
        inter.messages.append(data)
        return 200, data

    def _webhook_message(self, call: Call) -> tuple[FakeInteraction, dict[str, Any]]:
        inter = self._interaction(call, key="webhook")
        key = call.params["message_id"]
        if key == "@original":
            if inter.original is None:
                raise Reject(404, 10008, "Unknown Message")
            return inter, inter.original
        for data in inter.messages:
            if data["id"] == key:
                return inter, data
        source = inter.payload.get("message")
        if source and source["id"] == key and key in map(str, self.messages):
            return inter, self.messages[int(key)]
        raise Reject(404, 10008, "Unknown Message")

    async def _get_webhook_message(self, call: Call) -> tuple[int, Any]:
        return 200, self._webhook_message(call)[1]

    async def _edit_webhook_message(self, call: Call) -> tuple[int, Any]:
        inter, data = self._webhook_message(call)
        self._apply_edit(data, call)
        if not any(m is data for m in inter.messages):
            inter.messages.append(data)
        return 200, data

    async def _delete_webhook_message(self, call: Call) -> tuple[int, Any]:
        inter, data = self._webhook_message(call)
        self.messages.pop(int(data["id"]), None)
        inter.messages[:] = [m for m in inter.messages if m is not data]
        return 204, None
