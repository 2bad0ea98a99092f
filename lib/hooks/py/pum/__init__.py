"""pgv's stand-in for the parts of pum 0.x that Python deltas import (pum.core.deltapy)."""
