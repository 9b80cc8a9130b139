// Node: the workstation sync daemon (see protocol/IMPLEMENTING.md).
