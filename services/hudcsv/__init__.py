"""HUD HMIS CSV FY2026: the column table, export (streaming) and import (validated first)."""
