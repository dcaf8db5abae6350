#!/usr/bin/env bash
# Trains the language identification model from the shared corpus and writes it as
# Sources/WinnowCore/Language/LanguageModelData.swift. Deterministic: the same corpus gives the same bytes.
#
#   scripts/generate-language-model.sh            # regenerate the committed file
#   scripts/generate-language-model.sh --check    # fail if regenerating would change it (CI)
#   scripts/generate-language-model.sh --evaluate # cross-validation accuracy, per language
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${WINNOW_LANGID_CORPUS:-../shared/corpus/langid/train}
target=Sources/WinnowCore/Language/LanguageModelData.swift
# WINNOW_BIN_DIR: a folder where the generator is built already (CI's one release build); else it is built here.
if [ -n "${WINNOW_BIN_DIR:-}" ]; then
    generator=$WINNOW_BIN_DIR/GenerateLanguageModel
else
    swift build -c release --product GenerateLanguageModel >&2
    generator=$(swift build -c release --show-bin-path)/GenerateLanguageModel
fi
case "${1:-}" in
    --evaluate)
        exec "$generator" "$corpus" --evaluate ;;
    --check)
        fresh=$(mktemp)
        trap 'rm -f "$fresh"' EXIT
        "$generator" "$corpus" --output "$fresh"
        if ! cmp -s "$fresh" "$target"; then
            echo "generate-language-model: $target is not what the trainer makes from $corpus; run $0" >&2
            exit 1
        fi
        echo "generate-language-model: $target is up to date" >&2 ;;
    "")
        "$generator" "$corpus" --output "$target"
        echo "generate-language-model: wrote $target ($(wc -c < "$target") bytes)" >&2 ;;
    *)
        echo "usage: $0 [--check | --evaluate]" >&2
        exit 2 ;;
esac
