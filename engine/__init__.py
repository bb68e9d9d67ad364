"""chainrule's engine: computational graphs with upstream, local and downstream gradients.

numpy and the standard library only; nothing here knows about HTTP, JSON or drawing.
"""

from engine.autograd import LOCAL_JACOBIAN_MAX, evaluate, unbroadcast
from engine.builder import Const, Expr, Gate, Var, apply, build_graph, fn, gate_op, maximum, minimum
from engine.errors import EngineError
from engine.gradcheck import GradcheckResult, InputCheck, gradcheck
from engine.graph import Graph
from engine.nodes import Node
from engine.ops import OPS, OPS_BY_FUNCTION, OPS_BY_NAME, Op
from engine.parser import Limits, parse
from engine.trace import EdgeRecord, Evaluation, NodeRecord, Snapshot, Step, Trace

__all__ = [
    "OPS",
    "OPS_BY_FUNCTION",
    "OPS_BY_NAME",
    "Const",
    "EngineError",
    "Evaluation",
    "Expr",
    "Gate",
    "GradcheckResult",
    "Graph",
    "Limits",
    "Node",
    "Op",
    "Snapshot",
    "Step",
    "Trace",
    "Var",
    "apply",
    "build_graph",
    "evaluate",
    "fn",
    "gate_op",
    "gradcheck",
    "maximum",
    "minimum",
    "parse",
    "EdgeRecord",
    "InputCheck",
    "LOCAL_JACOBIAN_MAX",
    "NodeRecord",
    "unbroadcast",
]
