using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>secretlint 11.7 with its recommended rule preset on the checked-out files of a repository (gitleaks
/// covers the history), SARIF report from @secretlint/secretlint-formatter-sarif 11.7 with secrets masked
/// (<c>--maskSecrets</c>); as category <c>secret</c> the importer redacts the texts again.</summary>
public sealed class SecretlintAdapter : SarifRepositoryScanner
{
    public override string Name => "secretlint";
    public override string Description => "secretlint: credentials and private keys in a repository's current files.";
    public override IReadOnlyList<ScannerUse> Uses { get; } = [new("secret_scan", ByDefault: false), new("code_security", ByDefault: false)];
    protected override string Category => FindingCategories.Secret;
}
