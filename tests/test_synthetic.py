"""The hidden tests' inputs: seeded synthetic GPT-2 models, and what their forward pass is read with."""

import torch

from stream_course.synthetic import (
    BLOCK_KEYS,
    ODD,
    attention_implementation,
    attention_seen,
    first_and_last,
    hooked,
    rescaled_gpt2,
    synthetic_gpt2,
    token_ids,
)


def test_every_parameter_is_redrawn_and_the_seed_fixes_them():
    model, again, other = (
        synthetic_gpt2(5, **ODD),
        synthetic_gpt2(5, **ODD),
        synthetic_gpt2(6, **ODD),
    )
    assert not model.training and model.config._attn_implementation == "eager"
    pairs = zip(
        model.state_dict().items(),
        again.state_dict().values(),
        other.state_dict().values(),
        strict=True,
    )
    for (name, value), same, different in pairs:
        assert torch.equal(value, same), name
        if name.endswith("bias"):  # transformers' init leaves them at 0: mistakes would hide
            assert value.abs().min() > 0, name
        if ".ln_" in name and name.endswith("weight"):
            assert (value - 1).abs().max() > 0.1, name
        if name != "lm_head.weight":  # tied to wte
            assert not torch.equal(value, different), name


def test_attention_seen_is_what_eager_attention_receives_and_returns():
    model = synthetic_gpt2(7, **ODD)
    ids = token_ids(7, 2, 9, model.config.vocab_size)
    with torch.no_grad(), attention_seen(model) as seen:
        out = model(ids, use_cache=True, output_attentions=True)
    assert sorted(seen) == list(range(model.config.n_layer))
    for layer, (q, k, v, weights) in seen.items():
        assert q.shape == (2, ODD["n_head"], 9, ODD["n_embd"] // ODD["n_head"])
        assert torch.equal(k, out.cache.layers[layer].keys)
        assert torch.equal(v, out.cache.layers[layer].values)
        assert torch.equal(weights, out.attentions[layer])
        assert weights.triu(1).abs().max() == 0  # causal
    assert model.config._attn_implementation == "eager"  # restored


def test_attention_seen_restores_sdpa_and_the_outputs():
    model = synthetic_gpt2(8)
    model.set_attn_implementation("sdpa")
    ids = token_ids(8, 1, 6, model.config.vocab_size)
    with torch.no_grad():
        before = model(ids).logits
        with attention_seen(model) as seen:
            during = model(ids).logits
        after = model(ids).logits
    assert model.config._attn_implementation == "sdpa"
    assert len(seen) == model.config.n_layer
    assert torch.allclose(during, before, atol=1e-5) and torch.equal(after, before)


def test_hooked_records_inputs_and_outputs_of_a_full_forward_pass():
    model = synthetic_gpt2(9)
    ids = token_ids(9, 2, 5, model.config.vocab_size)
    names = ["transformer.h.0", "transformer.h.1.ln_2"]
    with torch.no_grad(), hooked(model, names) as seen:
        out = model(ids, output_hidden_states=True)
    assert torch.equal(seen["transformer.h.0"][1], out.hidden_states[1])
    assert torch.equal(seen["transformer.h.0"][0], out.hidden_states[0])
    ln_2 = model.transformer.h[1].ln_2
    assert torch.equal(seen["transformer.h.1.ln_2"][1], ln_2(seen["transformer.h.1.ln_2"][0]))


def test_block_keys_first_and_last_and_the_attention_implementation_hold_for_any_shape():
    for shape, ends in (({}, [0, 1]), (ODD, [0, 2]), ({"n_layer": 1}, [0])):
        model = synthetic_gpt2(7, **shape)
        for layer in range(model.config.n_layer):
            assert tuple(model.transformer.h[layer].state_dict()) == BLOCK_KEYS
        assert first_and_last(model) == ends
    with attention_implementation(model, "sdpa"):
        assert model.config._attn_implementation == "sdpa"
        with attention_implementation(model, "eager"):
            assert model.config._attn_implementation == "eager"
        assert model.config._attn_implementation == "sdpa"
    assert model.config._attn_implementation == "eager"


def test_rescaled_gpt2_scales_exactly_the_named_parameters():
    plain = synthetic_gpt2(9, **ODD).state_dict()
    rescaled = rescaled_gpt2(9, 0.5, ("*.wte.weight", "*.c_proj.*"), **ODD).state_dict()
    for name, value in plain.items():
        scaled = name.endswith("wte.weight") or ".c_proj." in name or name == "lm_head.weight"
        assert torch.equal(rescaled[name], value * 0.5 if scaled else value), name
