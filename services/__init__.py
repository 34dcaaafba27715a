"""The rules of the manual: plain async functions that own their transactions."""
