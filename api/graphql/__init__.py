"""GraphQL at `/graphql`: one type per published dataset, resolved by the same query engine as REST.

* :mod:`.schema` — graphene types generated from the published schemas (rows, filters, sorts, Relay
  connections, grouped aggregates);
* :mod:`.resolvers` — arguments → :class:`api.query.RowsRequest` → the engine, with masking and audit;
* :mod:`.service` — per-caller schema cache (keyed by the visible datasets' current versions),
  parsing, validation, limits and execution;
* :mod:`.limits` — depth, field, dataset-field, node and time limits;
* :mod:`.routes` — HTTP (GET, POST, GraphiQL); :mod:`.scalars`, :mod:`.names`, :mod:`.selection`.

See docs/api.md for the shape of the schema and examples.
"""
