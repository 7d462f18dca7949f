using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>ESLint 9.39 with eslint-plugin-security 4.1's recommended rules and the image's own configuration (a
/// repository's ESLint configuration is code and is never loaded), SARIF report from
/// @microsoft/eslint-formatter-sarif 3.1. Lines under an <c>eslint-disable</c> comment are reported as suppressed in
/// source and left out; files ESLint cannot parse are only named in the report's invocation notes, not as findings.</summary>
public sealed class EslintAdapter : SarifRepositoryScanner
{
    public override string Name => "eslint";
    public override string Description => "ESLint with eslint-plugin-security: security problems in JavaScript (eval, non-literal require or RegExp, …).";
    public override IReadOnlyList<ScannerUse> Uses { get; } = [new("sast"), new("code_security")];
    protected override string Category => FindingCategories.Sast;
}
