#!/usr/bin/env bash
# The library as a NuGet package and a consumer of it: `dotnet pack` of src/EdgeRuntime into the local feed
# artifacts/packages, then samples/SegmentImage restored FROM that feed (its own NuGet.config), run on a VOC image,
# and published NativeAOT for linux-x64 and linux-arm64 with zero warnings under a size cap.
# A diagnostic is a line with ": warning " or ": error " (the build summary's "0 Warning(s)" is not one).
set -uo pipefail
cd "$(dirname "$0")/../.."
sample_cap_bytes=$((4 * 1024 * 1024))   # issue 12: the sample app <= 4 MiB
model=../shared/models/coral/deeplabv3_mnv2_pascal_quant.tflite
image=../shared/data/voc2012_val/JPEGImages/2007_000033.jpg   # VOC annotation: aeroplane on background
logs=artifacts/test-logs; out=artifacts/sample
mkdir -p "$logs" "$out"
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "PASS: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/EdgeRuntime/EdgeRuntime.csproj | head -1)
nupkg=artifacts/packages/EdgeRuntime.$version.nupkg
rm -f "$nupkg" "artifacts/packages/EdgeRuntime.$version.snupkg"
if dotnet pack src/EdgeRuntime -c Release -nologo -clp:NoSummary > "$logs/pack.log" 2>&1 && ! grep -E -i ": (warning|error) " "$logs/pack.log"; then
  contents=$(unzip -l "$nupkg" 2>/dev/null)
  missing=""
  for entry in PACKAGE.md LICENSE lib/net10.0/EdgeRuntime.dll lib/net10.0/EdgeRuntime.xml; do
    grep -q " $entry\$" <<< "$contents" || missing="$missing $entry"
  done
  nuspec=$(unzip -p "$nupkg" EdgeRuntime.nuspec 2>/dev/null)
  grep -q '<license type="expression">MIT</license>' <<< "$nuspec" || missing="$missing license-expression"
  grep -q '<readme>PACKAGE.md</readme>' <<< "$nuspec" || missing="$missing readme"
  [[ -f artifacts/packages/EdgeRuntime.$version.snupkg ]] || missing="$missing snupkg"
  if [[ -z $missing ]]; then ok "pack EdgeRuntime $version: readme, license, docs, symbols ($(( $(stat -c %s "$nupkg") / 1024 )) KiB)"
  else bad "pack EdgeRuntime $version lacks:$missing"; fi
else
  tail -30 "$logs/pack.log"; bad "dotnet pack src/EdgeRuntime"
fi

# A package of the same version restored earlier would be reused from the global cache: drop it so the sample gets this build.
cache=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
rm -rf "$cache/edgeruntime/$version"
if dotnet build samples/SegmentImage -c Release -nologo -clp:NoSummary -p:EdgeRuntimeVersion="$version" > "$logs/sample-build.log" 2>&1 \
   && ! grep -E -i ": (warning|error) " "$logs/sample-build.log"; then
  source_feed=$(sed -n 's/.*"source": *"\(.*\)".*/\1/p' "$cache/edgeruntime/$version/.nupkg.metadata" 2>/dev/null)
  if [[ $source_feed == *artifacts/packages* ]]; then ok "sample restores EdgeRuntime $version from the local feed and builds"
  else bad "sample's EdgeRuntime came from '$source_feed', not the local feed"; fi
else
  tail -30 "$logs/sample-build.log"; bad "build samples/SegmentImage"
fi

dll=samples/SegmentImage/bin/Release/net10.0/SegmentImage.dll
rm -f "$out/overlay.png"
if dotnet "$dll" "$model" "$image" "$out/overlay.png" > "$out/run.txt" 2> "$out/run.err"; then
  size=$(sed -n 's/.*: \([0-9]*\)x\([0-9]*\),.*/\1 \2/p' "$out/run.txt" | head -1)
  total=$(awk 'NF >= 4 && $(NF-3) ~ /^[0-9]+$/ && $(NF-2) == "px" { s += $(NF-3) } END { print s + 0 }' "$out/run.txt")
  signature=$(head -c 8 "$out/overlay.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
  if [[ $signature == 89504e470d0a1a0a && -n $size && $total -eq $(( ${size% *} * ${size#* } )) ]] \
     && grep -q "^  aeroplane " "$out/run.txt" && grep -q "^  background " "$out/run.txt"; then
    ok "sample segments a VOC image: PNG overlay, histogram covers all $total pixels, finds the annotated aeroplane"
  else
    cat "$out/run.txt"; bad "sample output (PNG signature '$signature', histogram $total px for '$size')"
  fi
else
  cat "$out/run.err"; bad "sample run on $image"
fi

dotnet "$dll" "$model" > /dev/null 2> "$out/usage.err"; usage_rc=$?
dotnet "$dll" "$model" "$out/no-such.jpg" "$out/x.png" > /dev/null 2> "$out/missing.err"; missing_rc=$?
if [[ $usage_rc -eq 2 && $missing_rc -eq 1 && $(wc -l < "$out/missing.err") -eq 1 ]] && ! grep -q " at " "$out/usage.err" "$out/missing.err"; then
  ok "sample: usage error exits 2, missing image exits 1 with one line"
else
  bad "sample exit codes: usage $usage_rc (want 2), missing image $missing_rc (want 1, one line)"
fi

for rid in linux-x64 linux-arm64; do
  log="$logs/publish-sample-$rid.log"
  if dotnet publish samples/SegmentImage -r "$rid" -c Release -p:EdgeRuntimeVersion="$version" -o "$out/publish-$rid" -nologo -clp:NoSummary > "$log" 2>&1 \
     && ! grep -E -i ": (warning|error) " "$log"; then
    size=$(stat -c %s "$out/publish-$rid/SegmentImage")
    if [[ $size -le $sample_cap_bytes ]]; then ok "$rid NativeAOT publish of the sample, zero warnings; SegmentImage is $((size / 1024)) KiB"
    else bad "$rid SegmentImage is $((size / 1024)) KiB, over the cap of $((sample_cap_bytes / 1024)) KiB"; fi
  else
    tail -30 "$log"; bad "$rid NativeAOT publish of the sample"
  fi
done
echo "$passed passed, $failed failed"
