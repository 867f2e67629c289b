"""Access: who acts (Actor and its scope), API tokens, idempotency keys."""
