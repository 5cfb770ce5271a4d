"""The product's name, defined once: the installed distribution, the command, and the system the evaluations call the product."""

NAME = "ldn-assistant"
