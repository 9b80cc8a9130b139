#!/usr/bin/env bash
echo "demo: not written yet"
