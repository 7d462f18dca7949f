using System.Text.Json;
using ScanGate.Contracts;
using ScanGate.Storage.Reports;

namespace ScanGate.Tests.Reports;

/// <summary>The SARIF, CycloneDX and SPDX documents checked by tools other than the code that wrote them: the SARIF
/// multitool, and the CycloneDX 1.5 JSON schema as CycloneDX ships it. SPDX 2.3's JSON schema is in no npm, NuGet
/// or Debian package reachable here, so the SPDX document is checked against the specification's rules one by one.</summary>
public sealed class ReportValidationTests
{
    private const string ScanId = "scn_01JREPORTVALIDATION000000";

    [Fact]
    public async Task Sarif_passes_the_sarif_multitool_with_one_run_per_scanner()
    {
        var scope = ReportSamples.Scope(ScanId, "gitleaks", "nmap", "security_headers", "trivy", "broken");
        var store = await ReportSamples.StoreWith(ScanId, ReportSamples.Mixed(ScanId));
        var path = await ReportSamples.WriteAsync(ScanReports.Sarif, scope, FindingSource.Of(store, ScanId));
        try
        {
            var problems = await ReportTools.ValidateSarifAsync(path);
            Assert.DoesNotContain(problems, p => p.Level == "error");
            // The warnings left are for what ScanGate does not know: the tools' versions and home pages (SARIF2005),
            // and a region for a file or URL finding the tool gave no line for (SARIF2017).
            Assert.All(problems, p => Assert.Contains(p.Rule, new[] { "SARIF2005", "SARIF2017" }));

            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            Assert.Equal("2.1.0", doc.RootElement.GetProperty("version").GetString());
            var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("tool").GetProperty("driver").GetProperty("name").GetString()!);
            Assert.Equal(["broken", "gitleaks", "nmap", "security_headers", "trivy"], runs.Keys.Order());
            Assert.Empty(runs["broken"].GetProperty("results").EnumerateArray());
            Assert.False(runs["broken"].GetProperty("invocations")[0].GetProperty("executionSuccessful").GetBoolean());

            // Two nmap findings of one rule share it; the rule carries the GitHub security-severity.
            var nmap = runs["nmap"];
            var nmapRules = nmap.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().ToList();
            Assert.Equal("nmap.open-port", Assert.Single(nmapRules).GetProperty("id").GetString());
            Assert.Equal("0.0", nmapRules[0].GetProperty("properties").GetProperty("security-severity").GetString());
            Assert.All(nmap.GetProperty("results").EnumerateArray(), r =>
            {
                Assert.Equal(0, r.GetProperty("ruleIndex").GetInt32());
                Assert.Equal("note", r.GetProperty("level").GetString());
                Assert.Equal("resource", r.GetProperty("locations")[0].GetProperty("logicalLocations")[0].GetProperty("kind").GetString());
            });
            Assert.Contains(nmap.GetProperty("results").EnumerateArray(), r => r.GetProperty("locations")[0].GetProperty("logicalLocations")[0].GetProperty("name").GetString() == "[::1]:22");

            var trivy = runs["trivy"].GetProperty("results").EnumerateArray().Single(r => r.GetProperty("ruleId").GetString() == "CVE-2024-0001");
            Assert.Equal("error", trivy.GetProperty("level").GetString());
            var props = trivy.GetProperty("properties");
            Assert.Equal(["CVE-2024-0001", "CVE-2024-0002"], props.GetProperty("cves").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(9.8, props.GetProperty("cvss").GetDouble());
            Assert.Equal("3.0.13", props.GetProperty("fixedVersion").GetString());
            Assert.Equal("vulnerability", props.GetProperty("category").GetString());
            Assert.False(string.IsNullOrEmpty(trivy.GetProperty("partialFingerprints").GetProperty(SarifReport.FingerprintKey).GetString()));
            var trivyRule = runs["trivy"].GetProperty("tool").GetProperty("driver").GetProperty("rules")[trivy.GetProperty("ruleIndex").GetInt32()];
            Assert.Equal("9.8", trivyRule.GetProperty("properties").GetProperty("security-severity").GetString());

            var secrets = runs["gitleaks"].GetProperty("results").EnumerateArray().ToList();
            var physical = secrets.Select(r => r.GetProperty("locations")[0].GetProperty("physicalLocation")).ToList();
            Assert.Contains(physical, p => p.GetProperty("artifactLocation").GetProperty("uri").GetString() == "src/config%20dir/app.env"
                && p.GetProperty("region").GetProperty("startLine").GetInt32() == 12);
            Assert.Contains(secrets, r => r.TryGetProperty("suppressions", out var s) && s[0].GetProperty("justification").GetString() == "a test fixture");

            var header = Assert.Single(runs["security_headers"].GetProperty("results").EnumerateArray());
            Assert.Equal("http://127.0.0.1:8080/a%20path?q=%3Cb%3E", header.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
            Assert.StartsWith(ReportSamples.HostileTitle, header.GetProperty("message").GetProperty("text").GetString());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task The_sarif_multitool_does_find_errors_in_a_broken_log()
    {
        // So that a clean validation above means something: a result whose rule index points at no rule.
        var path = Path.Combine(Path.GetTempPath(), $"scangate-broken-{Guid.NewGuid():N}.sarif");
        await File.WriteAllTextAsync(path, """{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"r","ruleIndex":3,"message":{"text":"m."}}]}]}""");
        try
        {
            Assert.Contains(await ReportTools.ValidateSarifAsync(path), p => p.Level == "error");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task CycloneDx_validates_against_the_cyclonedx_1_5_schema_with_components_and_vulnerabilities()
    {
        var store = await ReportSamples.StoreWith(ScanId, [.. ReportSamples.Sbom(ScanId), .. ReportSamples.Mixed(ScanId)]);
        var path = await ReportSamples.WriteAsync(ScanReports.CycloneDx, ReportSamples.Scope(ScanId, "cdxgen", "trivy"), FindingSource.Of(store, ScanId));
        try
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            var bom = doc.RootElement;
            Assert.Empty(await ReportTools.ValidateCycloneDx15Async(bom));

            Assert.Equal("1.5", bom.GetProperty("specVersion").GetString());
            var components = bom.GetProperty("components").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
            Assert.Equal(["@babel/core", "lodash", "musl", "openssl", "requests"], components.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("pkg:npm/lodash@4.17.20", components["lodash"].GetProperty("purl").GetString());
            Assert.Equal("pkg:npm/%40babel/core@7.24.0", components["@babel/core"].GetProperty("purl").GetString());
            Assert.Equal("pkg:deb/debian/openssl@3.0.11-1?arch=amd64", components["openssl"].GetProperty("purl").GetString());
            Assert.Equal("pkg:pypi/requests@2.31.0", components["requests"].GetProperty("purl").GetString());
            Assert.False(components["musl"].TryGetProperty("purl", out _)); // an image's package of an unknown ecosystem
            Assert.Equal("1.2.4-r2", components["musl"].GetProperty("version").GetString());

            // Vulnerabilities of packages in the SBOM, affecting their components; the image finding's openssl 3.0.11 and
            // left-pad are not components of it.
            var vulnerabilities = bom.GetProperty("vulnerabilities").EnumerateArray().ToDictionary(v => v.GetProperty("id").GetString()!);
            Assert.Equal(["CVE-2021-23337", "CVE-2024-1111"], vulnerabilities.Keys.Order());
            var lodash = vulnerabilities["CVE-2021-23337"];
            Assert.Equal(components["lodash"].GetProperty("bom-ref").GetString(), lodash.GetProperty("affects")[0].GetProperty("ref").GetString());
            Assert.Equal("CVSSv31", lodash.GetProperty("ratings")[0].GetProperty("method").GetString());
            Assert.Equal(7.2, lodash.GetProperty("ratings")[0].GetProperty("score").GetDouble());
            Assert.Equal("high", lodash.GetProperty("ratings")[0].GetProperty("severity").GetString());
            Assert.Contains(lodash.GetProperty("affects")[0].GetProperty("versions").EnumerateArray(),
                v => v.GetProperty("version").GetString() == "4.17.21" && v.GetProperty("status").GetString() == "unaffected");
            Assert.Equal(components["openssl"].GetProperty("bom-ref").GetString(), vulnerabilities["CVE-2024-1111"].GetProperty("affects")[0].GetProperty("ref").GetString());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task The_cyclonedx_schema_does_reject_a_broken_bom()
    {
        using var broken = JsonDocument.Parse("""{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"no type"}],"vulnerabilities":[{"ratings":[{"severity":"dire"}]}]}""");
        Assert.NotEmpty(await ReportTools.ValidateCycloneDx15Async(broken.RootElement));
    }

    [Fact]
    public async Task Spdx_is_an_spdx_2_3_document_describing_every_component()
    {
        var store = await ReportSamples.StoreWith(ScanId, [.. ReportSamples.Sbom(ScanId), .. ReportSamples.Mixed(ScanId)]);
        var path = await ReportSamples.WriteAsync(ScanReports.Spdx, ReportSamples.Scope(ScanId, "cdxgen", "trivy"), FindingSource.Of(store, ScanId));
        try
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            var spdx = doc.RootElement;
            // The document's mandatory fields (SPDX 2.3, clause 6).
            Assert.Equal("SPDX-2.3", spdx.GetProperty("spdxVersion").GetString());
            Assert.Equal("CC0-1.0", spdx.GetProperty("dataLicense").GetString());
            Assert.Equal("SPDXRef-DOCUMENT", spdx.GetProperty("SPDXID").GetString());
            Assert.False(string.IsNullOrWhiteSpace(spdx.GetProperty("name").GetString()));
            var ns = new Uri(spdx.GetProperty("documentNamespace").GetString()!);
            Assert.True(ns.IsAbsoluteUri && ns.Fragment == "");
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", spdx.GetProperty("creationInfo").GetProperty("created").GetString());
            Assert.All(spdx.GetProperty("creationInfo").GetProperty("creators").EnumerateArray(), c => Assert.Matches("^(Person|Organization|Tool): .+", c.GetString()));

            // Packages (clause 7): unique SPDX ids of the allowed characters, name, download location, purl as a package-manager reference.
            var packages = spdx.GetProperty("packages").EnumerateArray().ToList();
            Assert.Equal(5, packages.Count);
            var ids = packages.Select(p => p.GetProperty("SPDXID").GetString()!).ToList();
            Assert.All(ids, id => Assert.Matches("^SPDXRef-[a-zA-Z0-9.-]+$", id));
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.All(packages, p =>
            {
                Assert.False(string.IsNullOrEmpty(p.GetProperty("name").GetString()));
                Assert.Equal("NOASSERTION", p.GetProperty("downloadLocation").GetString());
                Assert.Equal("NOASSERTION", p.GetProperty("licenseConcluded").GetString());
                Assert.False(p.GetProperty("filesAnalyzed").GetBoolean()); // so no verification code is needed
            });
            var lodash = packages.Single(p => p.GetProperty("name").GetString() == "lodash");
            Assert.Equal("4.17.20", lodash.GetProperty("versionInfo").GetString());
            var purl = lodash.GetProperty("externalRefs")[0];
            Assert.Equal("PACKAGE-MANAGER", purl.GetProperty("referenceCategory").GetString());
            Assert.Equal("purl", purl.GetProperty("referenceType").GetString());
            Assert.Equal("pkg:npm/lodash@4.17.20", purl.GetProperty("referenceLocator").GetString());
            Assert.False(packages.Single(p => p.GetProperty("name").GetString() == "musl").TryGetProperty("externalRefs", out _));

            // The document DESCRIBES each package, and every relationship names elements that exist.
            var relationships = spdx.GetProperty("relationships").EnumerateArray().ToList();
            Assert.All(relationships, r =>
            {
                Assert.Equal("SPDXRef-DOCUMENT", r.GetProperty("spdxElementId").GetString());
                Assert.Equal("DESCRIBES", r.GetProperty("relationshipType").GetString());
            });
            Assert.Equal(ids.Order(), relationships.Select(r => r.GetProperty("relatedSpdxElement").GetString()!).Order());

            // And the SPDX project's own reader and validator take it as a valid SPDX 2.3 document.
            var (valid, output) = await ReportTools.ValidateSpdxAsync(path);
            Assert.True(valid, output);
            Assert.Contains($"{packages.Count} packages", output);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task The_spdx_validator_does_reject_a_broken_document()
    {
        var store = await ReportSamples.StoreWith(ScanId, [.. ReportSamples.Sbom(ScanId)]);
        var path = await ReportSamples.WriteAsync(ScanReports.Spdx, ReportSamples.Scope(ScanId, "cdxgen"), FindingSource.Of(store, ScanId));
        try
        {
            // A relationship to a package the document does not have.
            var text = await File.ReadAllTextAsync(path);
            var broken = System.Text.RegularExpressions.Regex.Replace(text, "\"relatedSpdxElement\"\\s*:\\s*\"[^\"]+\"", "\"relatedSpdxElement\":\"SPDXRef-Package-missing\"");
            Assert.NotEqual(text, broken);
            await File.WriteAllTextAsync(path, broken);
            var (valid, output) = await ReportTools.ValidateSpdxAsync(path);
            Assert.False(valid, output);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task A_scan_without_components_has_empty_sboms_that_are_still_valid()
    {
        var store = await ReportSamples.StoreWith(ScanId, ReportSamples.Mixed(ScanId));
        var path = await ReportSamples.WriteAsync(ScanReports.CycloneDx, ReportSamples.Scope(ScanId, "nmap"), FindingSource.Of(store, ScanId));
        try
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            Assert.Empty(await ReportTools.ValidateCycloneDx15Async(doc.RootElement));
            Assert.Empty(doc.RootElement.GetProperty("components").EnumerateArray());
        }
        finally { File.Delete(path); }
    }
}
