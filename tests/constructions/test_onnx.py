"""ONNX export (issue 13 item 6): the exported graph, run in onnxruntime, equals the module on every word
up to a length; ties survive; dtypes and networks without an exact export are refused by type."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from automata.errors import DtypeError, ParameterError
from constructions import onnx_export
from constructions.exact import Affine
from constructions.library.presets import PRESETS
from constructions.onnx_export import OnnxDisagreement, check_onnx, export_onnx, onnx_session
from constructions.rnn.deep_torch import deep_to_torch
from constructions.rnn.torch_backend import to_torch as rnn_to_torch
from constructions.torch_io import ModelFileError
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT, AttentionLayer
from constructions.uhat.torch_backend import to_torch
from tests.constructions.test_torch_conventions import deep

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def ties(first: str = "leftmost", previous: str = "rightmost") -> UHAT:
    """Every score is 0, so every unmasked position ties: layer 1 attends (``first``, mask none) the first
    symbol, layer 2 (``previous``, mask j<i) the previous one; accept iff the first is a or the previous b."""
    emb = Affine.build(3, 3, {(r, r): 1 for r in range(3)})
    keep = {(r, r): 1 for r in range(3)}
    one = AttentionLayer(Affine.zero(3, 3), Affine.zero(3, 3), Affine.build(6, 4, {**keep, (3, 3): 1}), "none", first)
    two = AttentionLayer(Affine.zero(4, 4), Affine.zero(4, 4), Affine.build(8, 2, {(0, 3): 1, (1, 5): 1}, {}), "j<i",
                         previous)
    return UHAT(("a", "b", "c"), emb, (one, two), Affine.build(2, 1, {(0, 0): 1, (0, 1): 1}))


def test_tie_breaks_survive_the_export(tmp_path: Path) -> None:
    m = to_torch(ties())
    path = export_onnx(m, tmp_path / "ties.onnx")
    assert check_onnx(m, path, 6) is None
    got = onnx_session(path).run(None, {"words": np.array([[0, 2, 1, 0], [2, 0, 1, 0]])})[0]
    assert got.tolist() == [[True, True, True, True], [False, False, False, True]]
    # negative test: a graph with the other tie-break is caught, at the shortest, least word
    found = check_onnx(to_torch(ties(first="rightmost")), path, 6)
    assert found == OnnxDisagreement((0, 1), 0, 0, 1)  # ab: the rightmost of all is b
    assert isinstance(check_onnx(to_torch(ties(previous="leftmost")), path, 6), OnnxDisagreement)


def test_no_exact_export_is_a_typed_refusal(tmp_path: Path, monkeypatch) -> None:
    net = compile_lemma9(PRESETS["ab_plus"](), packed=True)
    with pytest.raises(DtypeError, match="bfloat16"):
        export_onnx(to_torch(net, "bfloat16"), tmp_path / "x.onnx")
    from constructions.library.retrieval_uhat import READOUT_MARGIN, retrieval_uhat
    from constructions.uhat.certified import certify_float
    from tasks.retrieval import retrieval_task

    task = retrieval_task("counting", 3)
    gen = retrieval_uhat(task)
    cert = certify_float(gen, "float64", task.input_length, {}, READOUT_MARGIN)
    with pytest.raises(DtypeError, match="FloatCertificate"):
        export_onnx(to_torch(gen, max_len=task.input_length, certificate=cert), tmp_path / "x.onnx")
    index = retrieval_task("index", 3)
    with pytest.raises(ParameterError, match="max_len"):
        export_onnx(to_torch(retrieval_uhat(index), max_len=index.input_length), tmp_path / "x.onnx")
    with pytest.raises(ParameterError):
        export_onnx(torch.nn.Linear(2, 2), tmp_path / "x.onnx")
    assert not list(tmp_path.iterdir())
    monkeypatch.setattr(onnx_export, "onnx_session", None)  # the limit is checked before any work
    with pytest.raises(ParameterError, match="exceed"):
        check_onnx(to_torch(net), tmp_path / "x.onnx", 40)
    monkeypatch.undo()
    (tmp_path / "bad.onnx").write_bytes(b"not a graph")
    with pytest.raises(ModelFileError):
        onnx_session(tmp_path / "bad.onnx")


@pytest.mark.slow
@pytest.mark.parametrize("form", ["packed", "paper"])
def test_counter_exported_equals_module(tmp_path: Path, form: str) -> None:
    from proofs_check.registry import family
    from proofs_check.suite import build

    member = build(family("counter"), 1, "stream")
    m = to_torch(getattr(member, form))
    assert check_onnx(m, export_onnx(m, tmp_path / "c.onnx"), 4) is None
    if form == "packed":
        r = rnn_to_torch(member.rnn, "int64")
        assert check_onnx(r, export_onnx(r, tmp_path / "r.onnx"), 5) is None


@pytest.mark.slow
@pytest.mark.parametrize("packed,dtype", [(True, "float32"), (True, "int64"), (True, "float16"), (False, "float64")])
def test_preset_exported_equals_module(tmp_path: Path, packed: bool, dtype: str) -> None:
    net = compile_lemma9(PRESETS["b_prec_a_nosucc_c"](), packed=packed)
    m = to_torch(net, dtype)
    assert check_onnx(m, export_onnx(m, tmp_path / "p.onnx"), 6) is None


@pytest.mark.slow
def test_deep_rnn_exported_equals_module(tmp_path: Path) -> None:
    for dtype in ("int64", "float64"):
        m = deep_to_torch(deep(), dtype)
        assert check_onnx(m, export_onnx(m, tmp_path / "d.onnx"), 9) is None


def test_codes_outside_the_alphabet_are_reported_not_read(tmp_path: Path) -> None:
    """A negative code (e.g. pad_words' −1) used to be read by Gather as the last symbol; a too-large one
    crashed onnxruntime. The graph now clamps and reports such rows in its `valid` output."""
    from constructions.library.presets import PRESETS

    module = to_torch(compile_lemma9(PRESETS["ab_plus"](), packed=True))
    path = export_onnx(module, tmp_path / "ab.onnx")
    verdicts, valid = onnx_session(path).run(None, {"words": np.array([[0, 1, -2, -1], [0, 1, 0, 1], [0, 1, 7, 1]])})
    assert valid.tolist() == [False, True, False]
    assert verdicts[1].tolist() == module(torch.tensor([[0, 1, 0, 1]]))[0].tolist()  # a valid row is unaffected
