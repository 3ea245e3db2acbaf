from pathlib import Path

import realtimekit_async

REFERENCE = Path(__file__).parent.parent / "docs" / "reference.md"


def test_every_public_name_is_in_the_reference() -> None:
    """docs/reference.md documents every name in realtimekit_async.__all__."""
    text = REFERENCE.read_text()
    assert [name for name in realtimekit_async.__all__ if name not in text] == []
