"""DCAT-AP 3 metadata of the catalogue (rdflib graphs: Turtle, JSON-LD, RDF/XML)."""
