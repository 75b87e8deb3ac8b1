"""PyTorch conventions of the compiled modules (issue 13 item 6): dtype moves re-check the stored
exactness proof, named weights drive the forward pass, the weights file round-trips, mixed lengths."""
from __future__ import annotations

import json
import pickle
import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automata.alphabet import all_words
from automata.errors import DtypeError, ParameterError, SuccinctError
from constructions.exact import Affine
from constructions.library.presets import PRESETS
from constructions.rnn.deep import DeepRNN, Layer
from constructions.rnn.deep_torch import deep_to_torch
from constructions.rnn.model import ElmanRNN
from constructions.rnn.torch_backend import to_torch as rnn_to_torch
from constructions.torch_io import FORMAT, ModelFileError, digest, load, pad_words, save
from constructions.uhat import torch_weights
from constructions.uhat.lemma9 import compile_lemma9
from constructions.uhat.model import UHAT, AttentionLayer, ReLULayer
from constructions.uhat.torch_backend import UHATModule, to_torch

pytestmark = pytest.mark.usefixtures("one_torch_thread")
MASKS = ("none", "j<i", "j>i", "j<=i", "j>=i")


def words_upto(k: int, length: int) -> list[torch.Tensor]:
    return [torch.from_numpy(all_words(ell, k)) for ell in range(1, length + 1)]


def same_everywhere(a, b, k: int, length: int) -> bool:
    return all(torch.equal(a(w), b(w)) for w in words_upto(k, length))


def scaled(weight: int) -> UHAT:
    """x0 ↦ weight·x0 − (weight − 1)·x0 = x0 (exact) — in float16, 2049 rounds to 2048 and x0 is lost."""
    emb = Affine.build(2, 2, {(0, 0): 1, (1, 1): 1})
    c = Affine.build(4, 2, {(0, 0): weight, (1, 0): weight - 1, (1, 3): 1})
    layer = AttentionLayer(Affine.zero(2, 2), Affine.zero(2, 2), c, "j<i", "rightmost")
    relu = ReLULayer(2, (0,))
    lin = AttentionLayer(Affine.zero(2, 2), Affine.zero(2, 2), Affine.build(4, 1, {(0, 0): 1, (0, 1): -1}), "none",
                         "leftmost")
    return UHAT(("a", "b"), emb, (layer, relu, lin), Affine.build(1, 1, {(0, 0): 1}))


def one_layer(mask: str, tiebreak: str, seed: int, accept_at: str = "last") -> UHAT:
    """A random small integral network: one attention layer with ``mask``, a ReLU, a read-out."""
    rng = random.Random(seed)
    rnd = lambda n_in, n_out, bias=True: Affine.build(  # noqa: E731
        n_in, n_out, {(r, c): rng.randint(-2, 2) for r in range(n_out) for c in range(n_in)},
        {r: rng.randint(-1, 1) for r in range(n_out)} if bias else None)
    layer = AttentionLayer(rnd(3, 2), rnd(3, 2), rnd(6, 3), mask, tiebreak)
    return UHAT(("a", "b", "c"), rnd(3, 3, False), (layer, ReLULayer(3, (0, 1))), rnd(3, 1, False), accept_at,
                model="packed")


def elman() -> ElmanRNN:
    """Counts a's minus b's, accepts while the count is positive (ReLU, precision 3 bits)."""
    w = Affine.build(2, 2, {(0, 0): 1, (1, 1): 1})
    u = Affine.build(2, 2, {(0, 0): 1, (1, 1): 1})
    return ElmanRNN(("a", "b"), w, u, (Fraction(0), Fraction(0)), "relu",
                    Affine.build(2, 1, {(0, 0): 1, (0, 1): -1}), precision_bits=4)


def deep() -> DeepRNN:
    """Two Boolean units through a Heaviside then a ReLU layer: h0 = the last symbol was a (or h1 held),
    h1 = a b after an a; accepts when h0 > h1."""
    layer0 = Layer(Affine.build(4, 2, {(0, 2): 1, (0, 1): 1, (1, 3): 1, (1, 0): 1}, {1: -1}), "heaviside")
    layer1 = Layer(Affine.build(2, 2, {(0, 0): 1, (1, 1): 1}), "relu")
    readout = Affine.build(2, 1, {(0, 0): 1, (0, 1): -1})
    return DeepRNN(("a", "b"), (layer0, layer1), (Fraction(0), Fraction(0)), readout)


@pytest.fixture(scope="module")
def counter1():
    from proofs_check.registry import family
    from proofs_check.suite import build

    return build(family("counter"), 1, "stream")


# ---- 1. dtype moves -----------------------------------------------------------------------------------


def test_to_float32_runs_and_agrees() -> None:
    net = compile_lemma9(PRESETS["dyck1_depth2"](), packed=True)
    ref, m = to_torch(net), to_torch(net)
    assert m.to(torch.float32) is m and m.dtype == torch.float32
    assert m.embedding.weight.dtype == torch.float32 and m.layers[1].mask.dtype == torch.bool
    assert same_everywhere(m, ref, 2, 7)
    for move, dtype in ((lambda x: x.half(), torch.float16), (lambda x: x.type(torch.int64), torch.int64),
                        (lambda x: x.double(), torch.int64), (lambda x: x.type(torch.float64), torch.float64),
                        (lambda x: x.bfloat16(), torch.bfloat16), (lambda x: x.float(), torch.float32)):
        move(m)  # .double() leaves an integer module alone, as for any nn.Module
        assert m.dtype == dtype and same_everywhere(m, ref, 2, 6)
    m.to("cpu")
    m.cpu()
    assert same_everywhere(m, ref, 2, 5)


@pytest.mark.parametrize("move", [lambda m: m.half(), lambda m: m.to(torch.float16), lambda m: m.type(torch.float16),
                                  lambda m: m.bfloat16()])
def test_inexact_dtype_refused_and_module_unchanged(move) -> None:
    m = to_torch(scaled(2049))
    before = {k: v.clone() for k, v in m.state_dict().items()}
    out = m(torch.tensor([[0, 1, 0]]))
    with pytest.raises(DtypeError, match="exact only up to"):
        move(m)
    assert m.dtype == torch.float64 and all(torch.equal(v, before[k]) for k, v in m.state_dict().items())
    assert torch.equal(m(torch.tensor([[0, 1, 0]])), out)


def test_refusal_guards_a_real_rounding(monkeypatch) -> None:
    """Negative test: with the check disabled, the float16 module computes a different answer."""
    net = scaled(2049)
    words = words_upto(2, 4)
    m = to_torch(net)
    monkeypatch.setattr(UHATModule, "_check_dtype", lambda self, dtype: None)
    m.half()
    assert any(not torch.equal(m(w), to_torch(net)(w)) for w in words)


@pytest.mark.filterwarnings("ignore:Complex modules")
def test_unsupported_targets_are_typed() -> None:
    m = to_torch(scaled(3))
    with pytest.raises(DtypeError):
        m.to(torch.complex64)
    with pytest.raises(ParameterError):
        m.to("meta")
    assert m.dtype == torch.float64 and m.device.type == "cpu"


def test_loaded_module_rechecks_from_the_stored_audit(tmp_path: Path, monkeypatch) -> None:
    save(to_torch(scaled(2049)), tmp_path / "m.pt")
    monkeypatch.setattr(torch_weights, "precision_audit", None)  # a loaded module may not re-audit on a move
    with pytest.raises(ModelFileError):
        load(tmp_path / "m.pt")  # loading itself re-derives the proof (here: cannot)
    monkeypatch.undo()
    m = load(tmp_path / "m.pt")
    monkeypatch.setattr(torch_weights, "precision_audit", None)
    with pytest.raises(DtypeError):
        m.half()
    m.float()
    assert m.dtype == torch.float32


def test_rnn_moves() -> None:
    for make, build in ((elman, rnn_to_torch), (deep, deep_to_torch)):
        m, ref = build(make()), build(make())
        with pytest.raises(DtypeError):
            m.half()  # the constructor refuses float16: so does the move
        with pytest.raises(DtypeError):
            m.bfloat16()
        assert m.dtype == torch.float64
        m.float()
        assert m.dtype == torch.float32 and same_everywhere(m, ref, 2, 7)
        m.type(torch.int64)
        assert m.W.dtype == torch.int64 if hasattr(m, "W") else m.M0.dtype == torch.int64
        assert same_everywhere(m, ref, 2, 7)
    big = ElmanRNN(("a",), Affine.build(1, 1, {(0, 0): 1}), Affine.build(1, 1, {(0, 0): 2**25}),
                   (Fraction(0),), "heaviside", Affine.build(1, 1, {(0, 0): 1}))
    m = rnn_to_torch(big)
    with pytest.raises(DtypeError, match="float32"):
        m.float()
    assert m.dtype == torch.float64 and m.W.dtype == torch.float64


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_moves() -> None:
    net = compile_lemma9(PRESETS["stair3"](), packed=True)
    m, ref = to_torch(net), to_torch(net)
    m.cuda()
    for w in words_upto(3, 6):
        assert torch.equal(m(w.cuda()).cpu(), ref(w))
    m.to(torch.float32)
    m.cpu()
    assert same_everywhere(m, ref, 3, 6)


# ---- 2. named weights -----------------------------------------------------------------------------------


def test_named_tensors_are_the_network() -> None:
    net = compile_lemma9(PRESETS["ab_plus"](), packed=True)
    sd = to_torch(net).state_dict()
    assert torch.equal(sd["embedding.weight"], torch.tensor(net.embedding.to_dense()[0].T.astype(float)))
    for k, layer in enumerate(net.layers):
        if isinstance(layer, ReLULayer):
            assert sd[f"layers.{k}.mask"].nonzero().flatten().tolist() == list(layer.coords)
            continue
        for name in "ABC":
            w, b = getattr(layer, name).to_dense()
            assert torch.equal(sd[f"layers.{k}.{name}.weight"], torch.tensor(w.astype(float)))
            assert torch.equal(sd[f"layers.{k}.{name}.bias"], torch.tensor(b.astype(float)))
    assert sd["accept.weight"].shape == (1, net.width_out)
    assert not any("_cwv" in k or k == "emb" for k in sd)


def test_perturbed_c_changes_the_output_and_loading_restores() -> None:
    net = compile_lemma9(PRESETS["ab_plus"](), packed=True)
    m, ref = to_torch(net), to_torch(net)
    original = {k: v.clone() for k, v in m.state_dict().items()}
    k = max(i for i, layer in enumerate(net.layers) if isinstance(layer, AttentionLayer))
    sd = m.state_dict()
    sd[f"layers.{k}.C.weight"].mul_(-1)  # the state_dict shares the module's storage
    sd[f"layers.{k}.C.bias"].mul_(-1)
    assert not same_everywhere(m, ref, 2, 5)
    m.load_state_dict(original)
    assert same_everywhere(m, ref, 2, 7)
    m.layers[k].C.weight = -original[f"layers.{k}.C.weight"]  # reassignment is seen too
    m.layers[k].C.bias = -original[f"layers.{k}.C.bias"]
    assert not same_everywhere(m, ref, 2, 5)


def test_sparse_storage_holds_the_same_network(tmp_path: Path, monkeypatch) -> None:
    """Very large networks keep A, B, C as sparse COO tensors (same names, values, verdicts, file)."""
    net = compile_lemma9(PRESETS["stair3"](), packed=False)
    dense = to_torch(net)
    monkeypatch.setattr(torch_weights, "DENSE_LIMIT", 0)  # the automatic choice
    sparse = to_torch(net)
    monkeypatch.undo()
    sd, ref = sparse.state_dict(), dense.state_dict()
    assert sparse.sparse and not dense.sparse and sd["layers.0.C.weight"].layout == torch.sparse_coo
    assert set(sd) == set(ref) and all(torch.equal(v.to_dense(), ref[k]) for k, v in sd.items())
    assert same_everywhere(dense, sparse, 3, 6)
    back = load(save(sparse, tmp_path / "s.pt"))
    assert back.sparse and same_everywhere(back, dense, 3, 6)
    k = max(i for i, layer in enumerate(net.layers) if isinstance(layer, AttentionLayer))
    flipped = {f"layers.{k}.C.weight": -ref[f"layers.{k}.C.weight"], f"layers.{k}.C.bias": -ref[f"layers.{k}.C.bias"]}
    sparse.load_state_dict({**ref, **flipped})  # dense tensors into sparse slots
    assert not same_everywhere(sparse, dense, 3, 5)
    sparse.load_state_dict(ref)
    assert same_everywhere(sparse, dense, 3, 6)


def test_weights_outside_the_proof_are_refused_and_rolled_back() -> None:
    m = to_torch(scaled(5))
    good = {k: v.clone() for k, v in m.state_dict().items()}
    bad = dict(good, **{"layers.0.C.weight": good["layers.0.C.weight"] * 0.5})  # non-integral
    with pytest.raises(DtypeError, match="not integral"):
        m.load_state_dict(bad)
    assert all(torch.equal(v, good[k]) for k, v in m.state_dict().items())
    m16 = to_torch(scaled(5), torch.float16)
    with pytest.raises(DtypeError):
        m16.load_state_dict(dict(good, **{"layers.0.C.weight": good["layers.0.C.weight"] * 1000}))
    with pytest.raises(ParameterError, match="missing"):
        m.load_state_dict({k: v for k, v in good.items() if k != "accept.weight"})
    with pytest.raises(ParameterError, match="shape"):
        m.load_state_dict(dict(good, **{"accept.weight": torch.zeros(2, 2)}))
    m.state_dict()["layers.0.C.weight"][0, 0] = 0.5  # in place, no load_state_dict: caught at the next run
    with pytest.raises(DtypeError):
        m(torch.tensor([[0, 1]]))


def test_rnn_changed_weights_are_reaudited() -> None:
    m = rnn_to_torch(elman(), torch.float32)
    m.state_dict()["W"][0, 0] = 2**30  # in place: the audit no longer holds in float32
    with pytest.raises(DtypeError):
        m(torch.tensor([[0, 1]]))
    d = deep_to_torch(deep())
    with pytest.raises(DtypeError, match="integral"):
        d.load_state_dict(dict(d.state_dict(), t=torch.tensor([0.5, 0.0], dtype=torch.float64)))


# ---- 3. the weights file --------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["packed", "paper"])
def test_save_load_counter_exhaustively(tmp_path: Path, counter1, form: str) -> None:
    m = to_torch(getattr(counter1, form))
    back = load(save(m, tmp_path / "c.pt"))
    assert isinstance(back, UHATModule) and back is not m
    assert same_everywhere(m, back, 6, 5)
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary file left


@pytest.mark.parametrize("name", ["dyck1_depth2", "b_prec_a_nosucc_c"])
@pytest.mark.parametrize("packed", [True, False])
def test_save_load_preset_exhaustively(tmp_path: Path, name: str, packed: bool) -> None:
    net = compile_lemma9(PRESETS[name](), packed=packed)
    m = to_torch(net, "int64")
    back = load(save(m, tmp_path / "p.pt"), dtype="float32")
    assert back.dtype == torch.float32 and same_everywhere(m, back, len(net.alphabet), 6)


def test_save_load_rnns_and_a_certified_generator(tmp_path: Path, counter1) -> None:
    for m in (rnn_to_torch(counter1.rnn), deep_to_torch(deep(), torch.int64), rnn_to_torch(elman(), "float32")):
        back = load(save(m, tmp_path / "r.pt"))
        assert type(back) is type(m) and back.dtype == m.dtype
        assert same_everywhere(m, back, len(m.alphabet), 5)
    from constructions.library.retrieval_uhat import READOUT_MARGIN, retrieval_uhat
    from constructions.uhat.certified import certify_float
    from tasks.retrieval import retrieval_task

    task = retrieval_task("counting", 3)
    net = retrieval_uhat(task)
    cert = certify_float(net, "float64", task.input_length, {}, READOUT_MARGIN)
    m = to_torch(net, max_len=task.input_length, certificate=cert)
    back = load(save(m, tmp_path / "g.pt"))
    codes = torch.from_numpy(task.sample_inputs(np.random.default_rng(0), 200))
    assert torch.equal(back.generate(codes), m.generate(codes))
    with pytest.raises(DtypeError, match="certified for float64"):
        back.float()
    with pytest.raises(DtypeError):
        load(tmp_path / "g.pt", dtype="float32")


def _payload(path: Path) -> dict:
    return torch.load(path, weights_only=True)


def test_bad_files_are_one_typed_error(tmp_path: Path) -> None:
    good = save(to_torch(compile_lemma9(PRESETS["stair3"](), packed=True)), tmp_path / "good.pt")
    raw = good.read_bytes()
    cases = {"missing": None, "empty": b"", "truncated": raw[: len(raw) // 2], "garbage": b"\x00junk" * 50}
    for name, data in cases.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
    p = _payload(good)
    variants = {"foreign": {"weights": p["tensors"]}, "version": dict(p, version=99),
                "digest": dict(p, tensors={**p["tensors"], "accept.weight": -p["tensors"]["accept.weight"]}),
                "kind": dict(p, meta=json.dumps(dict(json.loads(p["meta"]), kind="os.system"))),
                "meta_json": dict(p, meta="{not json")}
    meta = json.loads(p["meta"])
    meta["audit"]["max_abs"] = "1"  # a claimed bound tighter than the tensors allow
    variants["bound"] = dict(p, meta=json.dumps(meta))
    meta = json.loads(p["meta"])
    meta["layers"][0]["heads"][0]["mask"] = "j<k"
    variants["mask"] = dict(p, meta=json.dumps(meta))
    tensors = dict(p["tensors"])
    del tensors["layers.0.C.bias"]
    variants["missing_tensor"] = dict(p, tensors=tensors, digest=digest(tensors, p["meta"]))
    for name, payload in variants.items():
        torch.save(payload, tmp_path / name)
    for name in [*cases, *variants]:
        with pytest.raises(ModelFileError):
            load(tmp_path / name)


class _Evil:
    def __reduce__(self):
        return (Path("/tmp/succinct_evil_was_run").touch, ())


def test_code_in_a_file_is_never_run(tmp_path: Path) -> None:
    marker = Path("/tmp/succinct_evil_was_run")
    marker.unlink(missing_ok=True)
    (tmp_path / "evil.pt").write_bytes(b"")
    torch.save({"format": FORMAT, "version": 1, "meta": "{}", "tensors": {}, "x": _Evil()}, tmp_path / "evil.pt",
               pickle_module=pickle)
    with pytest.raises(ModelFileError):
        load(tmp_path / "evil.pt")
    assert not marker.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_flipped_byte_is_refused_or_harmless(tmp_path_factory, data) -> None:
    """Property: a file with one corrupted byte is refused, or loads a module equal on every word."""
    net = compile_lemma9(PRESETS["ab_plus"](), packed=True)
    path = tmp_path_factory.mktemp("flip") / "m.pt"
    m = to_torch(net)
    raw = bytearray(save(m, path).read_bytes())
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] ^= data.draw(st.integers(1, 255))
    path.write_bytes(bytes(raw))
    try:
        back = load(path)
    except ModelFileError:
        return
    assert same_everywhere(m, back, 2, 6)


def test_save_is_atomic(tmp_path: Path, monkeypatch) -> None:
    path = save(to_torch(scaled(3)), tmp_path / "m.pt")
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OSError):
        save(to_torch(scaled(4)), path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.pt"]
    with pytest.raises(ParameterError):
        save(object(), tmp_path / "x.pt")


# ---- 4. batches of mixed lengths -------------------------------------------------------------------------


def _mixed_equals_single(m, words: list[list[int]], mask_form: bool = False) -> None:
    batch, lens = pad_words(words)
    kw = {"attention_mask": torch.arange(batch.shape[1])[None, :] < lens[:, None]} if mask_form else {"lengths": lens}
    out = m(batch, **kw)
    verdicts = m.accepts(batch, **kw)
    for b, w in enumerate(words):
        single = m(torch.tensor([w]))[0]
        assert torch.equal(out[b, : len(w)], single), (w, out[b], single)
        assert not out[b, len(w):].any()
        at = 0 if getattr(m, "accept_at", "last") == "first" else len(w) - 1
        assert bool(verdicts[b]) == bool(single[at])


@settings(max_examples=30, deadline=None)
@given(mask=st.sampled_from(MASKS), tiebreak=st.sampled_from(["leftmost", "rightmost"]), seed=st.integers(0, 50),
       accept_at=st.sampled_from(["last", "first"]), mask_form=st.booleans(),
       words=st.lists(st.lists(st.integers(0, 2), min_size=1, max_size=7), min_size=1, max_size=6))
def test_mixed_lengths_equal_single_runs(mask, tiebreak, seed, accept_at, mask_form, words) -> None:
    _mixed_equals_single(to_torch(one_layer(mask, tiebreak, seed, accept_at)), words, mask_form)


def test_padding_leak_is_caught(monkeypatch) -> None:
    """Negative test: running a non-causal network over the padded batch in one pass attends padding."""
    words = [[0, 1, 2, 0, 1, 2, 2], [1]]
    leaked = False
    for seed in range(40):
        m = to_torch(one_layer("j>i", "rightmost", seed))
        monkeypatch.setattr(UHATModule, "causal", lambda self: True)
        try:
            _mixed_equals_single(m, words)
        except AssertionError:
            leaked = True
            break
        finally:
            monkeypatch.undo()
    assert leaked


def test_mixed_lengths_presets_generators_and_rnns(counter1) -> None:
    rng = random.Random(0)
    for name in ("dyck1_depth2", "b_prec_a_nosucc_c"):
        net = compile_lemma9(PRESETS[name](), packed=True)
        words = [[rng.randrange(len(net.alphabet)) for _ in range(rng.randint(1, 8))] for _ in range(12)]
        _mixed_equals_single(to_torch(net), words)
    for m in (rnn_to_torch(counter1.rnn), deep_to_torch(deep()), deep_to_torch(deep(), torch.int64),
              rnn_to_torch(elman(), torch.int64)):
        words = [[rng.randrange(len(m.alphabet)) for _ in range(rng.randint(1, 9))] for _ in range(12)]
        _mixed_equals_single(m, words)
        _mixed_equals_single(m, words, mask_form=True)
    from constructions.library.retrieval_uhat import retrieval_uhat
    from tasks.retrieval import retrieval_task

    task = retrieval_task("index", 3)
    gen = to_torch(retrieval_uhat(task), max_len=task.input_length)
    codes = [list(r[: rng.randint(2, task.input_length)]) for r in task.sample_inputs(np.random.default_rng(1), 20)]
    batch, lens = pad_words(codes)
    got = gen.generate(batch, lengths=lens)
    assert got.tolist() == [int(gen.generate(torch.tensor([c]))[0]) for c in codes]
    per_position = gen(batch, lengths=lens)
    assert all(per_position[b, len(c):].eq(-1).all() for b, c in enumerate(codes))


def test_bad_lengths_and_masks_are_typed() -> None:
    m = to_torch(one_layer("none", "leftmost", 1))
    words = torch.tensor([[0, 1, 2], [1, 0, -1]])
    with pytest.raises(SuccinctError):
        m(words)  # −1 outside the alphabet without a length
    assert m(words, lengths=[3, 2]).shape == (2, 3)
    for kw in ({"lengths": [3, 0]}, {"lengths": [3, 4]}, {"lengths": [3.0, 2.0]}, {"lengths": [3]},
               {"attention_mask": torch.tensor([[1, 1, 1], [0, 1, 1]])},
               {"attention_mask": torch.tensor([[1, 1, 1], [1, 1, 0]]), "lengths": [3, 2]},
               {"attention_mask": torch.tensor([[1, 1, 1], [1, 2, 0]])}):
        with pytest.raises(ParameterError):
            m(words, **kw)
    with pytest.raises(SuccinctError):
        rnn_to_torch(elman())(words, lengths=[3, 3])  # the padding code is inside a real position


def test_edited_metadata_is_refused(tmp_path) -> None:
    """The digest covers the metadata: a mask or tie-break edited in the file (a different network with
    the same tensors) is a ModelFileError, not a module that answers differently."""
    import json

    from constructions.library.presets import PRESETS
    from constructions.torch_io import ModelFileError, load, save
    from constructions.uhat.lemma9 import compile_lemma9
    from constructions.uhat.torch_backend import to_torch

    path = save(to_torch(compile_lemma9(PRESETS["ab_plus"](), packed=True)), tmp_path / "ab.pt")
    payload = torch.load(path, weights_only=True)
    meta = json.loads(payload["meta"])
    head = next(h for layer in meta["layers"] for h in layer.get("heads", []))
    head["tiebreak"] = "leftmost" if head["tiebreak"] == "rightmost" else "rightmost"
    payload["meta"] = json.dumps(meta, sort_keys=True)
    torch.save(payload, tmp_path / "edited.pt")
    load(path)  # the original loads
    with pytest.raises(ModelFileError, match="digest"):
        load(tmp_path / "edited.pt")


def test_pad_words_refuses_strings_and_non_integers() -> None:
    from automata.errors import ParameterError
    from constructions.torch_io import pad_words

    with pytest.raises(ParameterError, match="encode_word"):
        pad_words(["ab", "ba"])
    with pytest.raises(ParameterError, match="integer symbol codes"):
        pad_words([[0.5, 1]])
