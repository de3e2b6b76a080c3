"""The provincial plan as validated data: nodes, targets and milestones (never progress)."""

from wall.core.plan.loader import DEFAULT_PLAN_PATH, load_plan
from wall.core.plan.models import Milestone, Node, Plan, Target, Tier

__all__ = ["DEFAULT_PLAN_PATH", "Milestone", "Node", "Plan", "Target", "Tier", "load_plan"]
