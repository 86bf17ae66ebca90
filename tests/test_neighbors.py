"""The reference neighbour search agrees with a plain cosine computation."""

import torch
import torch.nn.functional as F

from stream_course.neighbors import NeighborIndex


def brute_force(weight, query, k):
    sims = F.cosine_similarity(weight, weight[query].unsqueeze(0), dim=1)
    sims[query] = -torch.inf
    return sims.topk(k)


def test_query_matches_brute_force_and_leaves_query_out():
    weight = torch.randn(500, 32, generator=torch.Generator().manual_seed(0)) * 3
    index = NeighborIndex(weight)
    for query in (0, 17, 499):
        ids, sims = index.query(query, 7)
        expected = brute_force(weight, query, 7)
        assert ids == expected.indices.tolist()
        assert torch.allclose(sims, expected.values, atol=1e-6)
        assert query not in ids


def test_batch_equals_single_queries():
    weight = torch.randn(300, 16, generator=torch.Generator().manual_seed(1))
    index = NeighborIndex(weight)
    queries = [3, 99, 250, 3]
    ids, sims = index.query_batch(queries, 5)
    for row, query in enumerate(queries):
        assert ids[row].tolist() == index.query(query, 5)[0]


def test_weight_is_not_modified():
    weight = torch.nn.Parameter(torch.randn(50, 8))
    before = weight.detach().clone()
    NeighborIndex(weight).query(0, 3)
    assert torch.equal(weight.detach(), before)
