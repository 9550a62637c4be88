"""VTEX: HTTP plumbing shared by every API, one small client per API, the contract checker."""
