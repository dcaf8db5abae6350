#!/usr/bin/env bash
# Builds the Debian package winnow_<version>_<arch>.deb in the project folder, with dpkg-deb and no network:
#
#   bash scripts/build-deb.sh [OUT_DIR]
#
# The binary is built with the Swift runtime linked in (--static-swift-stdlib), so the package runs where no
# Swift toolchain is; its Depends are the Debian packages owning the libraries ldd shows it links (a library
# no package owns, such as one of the toolchain's, stops the build). The man pages come from the argument
# parser's own help (its generate-manual plugin), one per subcommand (man winnow-watch); the shell completions
# from `winnow --generate-completion-script`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.}

version=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/WinnowCore/Version.swift)
arch=$(dpkg --print-architecture)
# Dates in the package (man pages, changelog) are the last commit's, so two builds of one commit agree.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
date_rfc=$(date -u -d "@$SOURCE_DATE_EPOCH" -R)

# A build folder of its own: SwiftPM does not relink a binary when only --static-swift-stdlib changes, so a
# dynamic build in .build (the tests', the manual plugin's) could otherwise be packaged.
swift build -c release --product winnow --static-swift-stdlib --scratch-path .build/deb
bin="$(swift build -c release --scratch-path .build/deb --show-bin-path)/winnow"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/winnow_${version}_${arch}"

install -D -m 755 "$bin" "$root/usr/bin/winnow"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/winnow"
install -D -m 644 deploy/winnow.service "$root/lib/systemd/system/winnow.service"
install -D -m 644 deploy/winnow.conf "$root/etc/winnow.conf"

# Man pages: winnow(1) and winnow-<subcommand>(1), by the argument parser's generate-manual tool (what its
# plugin runs) from the built binary's own help: building only the tool, not the package again.
swift build --product generate-manual --scratch-path .build/deb >/dev/null
pages="$work/man"
mkdir -p "$pages"
"$(swift build --scratch-path .build/deb --show-bin-path)/generate-manual" "$bin" --multi-page \
    --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%F)" --output-directory "$pages"
install -d "$root/usr/share/man/man1"
for page in "$pages"/*.1; do
    name=$(basename "$page" .1)
    [ "$name" = "winnow.help" ] && continue
    target=${name//./-}
    command=${name//./ }
    # The NAME section names the page (winnow-watch, for whatis and apropos); the synopsis the command.
    sed -e "s/^\.Dt WINNOW\.\([A-Z]*\) 1/.Dt WINNOW-\1 1/" \
        -e "0,/^\.Nm \"$command\"\$/s//.Nm $target/" -e "s/^\.Nm\$/.Nm \"$command\"/" "$page" \
        | gzip -9n > "$root/usr/share/man/man1/$target.1.gz"
done

# Shell completions.
install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"
# (A completion file is sourced, not run: no #! line.)
"$bin" --generate-completion-script bash | sed '1{/^#!/d}' > "$root/usr/share/bash-completion/completions/winnow"
"$bin" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_winnow"
"$bin" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/winnow.fish"

# Documentation: the README, the reference pages, the changelog and the copyright file Debian asks for.
doc="$root/usr/share/doc/winnow"
install -D -m 644 README.md "$doc/README.md"
install -d "$doc/docs"
install -m 644 docs/*.md "$doc/docs/"
{
    echo "winnow ($version) unstable; urgency=medium"
    echo
    echo "  * Release $version; see /usr/share/doc/winnow/changelog.gz."
    echo
    echo " -- Winnow developers <winnow@example.org>  $date_rfc"
} | gzip -9n > "$doc/changelog.Debian.gz"
gzip -9n < CHANGELOG.md > "$doc/changelog.gz"
cat > "$doc/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: winnow

Files: *
Copyright: 2026 the Winnow developers
License: Apache-2.0
 On Debian systems, the full text of the Apache License 2.0 is in /usr/share/common-licenses/Apache-2.0.
Comment: The language model in the binary is derived (feature counts only) from sentences of public corpora
 (Universal Dependencies, Leipzig via lingua-go, FLoRes, Tatoeba, UDHR, OPUS GlobalVoices, News18), each under
 its own licence; see docs/language-identification.md.
COPYRIGHT

# Depends: the packages that own what the binary links.
depends=()
while read -r library; do
    real=$(readlink -f "$library")
    owner=$(dpkg -S "$real" 2>/dev/null || dpkg -S "$library" 2>/dev/null || true)
    if [ -z "$owner" ]; then
        echo "build-deb: $library ($real) belongs to no Debian package: the binary must not link it" >&2
        exit 1
    fi
    package=${owner%%:*}
    package=${package%%,*}
    upstream=$(dpkg-query -W -f='${Version}' "$package" | sed 's/-[^-]*$//')
    depends+=("$package (>= $upstream)")
done < <(ldd "$root/usr/bin/winnow" | awk '/=> \// { print $3 }')
depends_line=$(printf '%s\n' "${depends[@]}" | sort -u | paste -sd, | sed 's/,/, /g')

install -d "$root/DEBIAN"
install -m 755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$root/DEBIAN/"
echo /etc/winnow.conf > "$root/DEBIAN/conffiles"
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: winnow
Version: $version
Architecture: $arch
Maintainer: Winnow developers <winnow@example.org>
Installed-Size: $installed_size
Depends: adduser, $depends_line
Section: text
Priority: optional
Description: article-dump cleaning, tokenizing and analysis daemon
 Winnow turns article dumps (scraped news pages as plain text, JSON Lines,
 WARC/WET web archives, gzip or zstd) into clean, tokenized, analysed,
 compressed JSON Lines: one record per article with its title, clean body,
 language, near-duplicate mark, metadata, what was removed and why, token and
 sentence statistics, and provenance. It runs as a watch-folder systemd
 service (winnow.service, not enabled by the package) or one-shot
 (winnow process).
CONTROL

find "$root" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
mkdir -p "$out"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out/winnow_${version}_${arch}.deb" >/dev/null
echo "$out/winnow_${version}_${arch}.deb"
