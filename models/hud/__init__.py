"""HUD's data model as Hearth declares it: value lists and the client data element registry."""
