using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>flawfinder 2.0.19 (Debian trixie): calls in C and C++ code with a history of security problems (strcpy,
/// gets, sprintf, format strings, races), SARIF report. Its risk levels 4–5 are SARIF <c>error</c> (high), 3
/// <c>warning</c> (medium), 1–2 <c>note</c> (low); level 0 is left out by the entry point (<c>--minlevel=1</c>). Each
/// rule names its CWEs.</summary>
public sealed class FlawfinderAdapter : SarifRepositoryScanner
{
    public override string Name => "flawfinder";
    public override string Description => "flawfinder: risky calls in C and C++ code (buffer overflows, format strings, races).";
    public override IReadOnlyList<ScannerUse> Uses { get; } = [new("sast"), new("code_security")];
    protected override string Category => FindingCategories.Sast;
    /// <summary>Its message names the call ("buffer/strcpy:Does not check …"); its rules' descriptions do not.</summary>
    protected override bool TitleFromMessage => true;
}
