"""Gates that check what we wrote against what AWS publishes (run by `python -m scripts.gates`)."""
