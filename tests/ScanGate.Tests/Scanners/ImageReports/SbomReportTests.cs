using System.Text;
using ScanGate.Contracts;
using ScanGate.Scanners.Adapters;
using static ScanGate.Tests.Scanners.ImageReports.ImageReportHarness;

namespace ScanGate.Tests.Scanners.ImageReports;

/// <summary>Syft's two outputs of one image: Fixtures/syft-1.18-image.cyclonedx.json, written after syft 1.18's
/// CycloneDX 1.6 JSON (metadata.component of type container; components[] with bom-ref, type, name, version,
/// licenses[].license.id|name and .expression, cpe, purl, properties syft:location:N:layerID/path; an
/// operating-system component), and Fixtures/syft-1.18-image.json, written after syft 1.18's own JSON (schema
/// 16.0: artifacts[] {id, name, version, type, foundBy, locations[] {path, layerID, accessPath, annotations},
/// licenses[] {value, spdxExpression, type, urls, locations}, language, cpes[] {cpe, source}, purl, metadataType,
/// metadata}, then artifactRelationships, files, source, distro, descriptor, schema).</summary>
public class SyftReportTests
{
    private const string CycloneDx = "syft-1.18-image.cyclonedx.json";
    private const string SyftJson = "syft-1.18-image.json";
    private const string BaseLayer = "sha256:a1f4c8e2b7d9f3a6c0e5b8d2f7a4c9e1b6d3f8a2c7e0b5d9f4a1c6e3b8d2f7a4";

    [Fact]
    public async Task CycloneDx_components_are_info_findings_with_package_version_image_and_layer()
    {
        var (findings, context) = await ParseFixtureAsync(new SyftAdapter(), CycloneDx);

        Assert.Empty(context.Warnings);
        var components = findings.Where(f => f.Category == FindingCategories.SbomComponent).ToList();
        Assert.Equal(["@types/node", "libexpat1", "libgs10", "lodash", "mongodb-sspl-driver"], components.Select(f => f.Location.Package!).Order());
        Assert.All(components, f => Assert.Equal(Severity.Info, f.Severity));
        Assert.All(components, f => Assert.Equal("registry.example.test/shop/web@sha256:9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d", f.Location.Image));
        Assert.DoesNotContain(findings, f => f.Location.Package == "debian"); // the operating system is not a package

        var expat = components.Single(f => f.Location.Package == "libexpat1");
        Assert.Equal(("2.5.0-1", BaseLayer, "/var/lib/dpkg/status"), (expat.Location.Version, expat.Location.Layer, expat.Location.File));
        Assert.Equal("component:deb", expat.RuleId);
        Assert.Contains("pkg:deb/debian/libexpat1@2.5.0-1", expat.Description);
        Assert.Equal("component:npm", components.Single(f => f.Location.Package == "lodash").RuleId);
    }

    [Fact]
    public async Task Only_denied_licences_become_licence_findings()
    {
        var (findings, _) = await ParseFixtureAsync(new SyftAdapter(), CycloneDx);

        var license = Assert.Single(findings, f => f.Category == FindingCategories.License);
        Assert.Equal(("libgs10", "10.0.0~dfsg-11+deb12u6"), (license.Location.Package, license.Location.Version));
        Assert.Equal("license-denied:AGPL-3.0-or-later", license.RuleId);
        Assert.Equal(Severity.Medium, license.Severity);
        // "SSPL-1.0 OR Apache-2.0" leaves a choice; MIT and the rest are allowed.
        Assert.DoesNotContain(findings, f => f.Category == FindingCategories.License && f.Location.Package == "mongodb-sspl-driver");
    }

    [Fact]
    public async Task Syft_json_gives_the_same_packages_and_layers_without_the_image()
    {
        var (fromJson, context) = await ParseFixtureAsync(new SyftAdapter(), SyftJson);
        var (fromCycloneDx, _) = await ParseFixtureAsync(new SyftAdapter(), CycloneDx);

        Assert.Empty(context.Warnings);
        var components = fromJson.Where(f => f.Category == FindingCategories.SbomComponent).ToList();
        Assert.Equal(["libexpat1", "libgs10", "lodash"], components.Select(f => f.Location.Package!).Order()); // lodash listed twice, one finding
        foreach (var c in components)
        {
            var same = fromCycloneDx.Single(f => f.Category == FindingCategories.SbomComponent && f.Location.Package == c.Location.Package);
            Assert.Equal((same.Location.Version, same.Location.Layer, same.RuleId), (c.Location.Version, c.Location.Layer, c.RuleId));
            Assert.Null(c.Location.Image); // syft JSON names its source after the packages
        }
        Assert.Equal("/var/lib/dpkg/status", components.Single(f => f.Location.Package == "libexpat1").Location.File);
        Assert.Equal("license-denied:AGPL-3.0-or-later", Assert.Single(fromJson, f => f.Category == FindingCategories.License).RuleId);
    }

    [Theory]
    [InlineData(CycloneDx)]
    [InlineData(SyftJson)]
    public Task Fingerprints_are_stable_across_scans(string report) => AssertStableAndDistinctFingerprintsAsync(new SyftAdapter(), report);

    [Fact]
    public async Task A_cut_off_sbom_keeps_the_complete_components_and_warns()
    {
        var findings = await ParseCutAsync(new SyftAdapter(), CycloneDx, "\"name\": \"lodash\"");
        Assert.Equal(["libexpat1", "libgs10"], findings.Where(f => f.Category == FindingCategories.SbomComponent).Select(f => f.Location.Package!).Order());
    }

    [Fact]
    public async Task A_cut_off_syft_json_keeps_the_complete_artifacts_and_warns()
    {
        var findings = await ParseCutAsync(new SyftAdapter(), SyftJson, "\"name\": \"lodash\"");
        Assert.Equal(["libexpat1", "libgs10"], findings.Where(f => f.Category == FindingCategories.SbomComponent).Select(f => f.Location.Package!).Order());
    }

    [Fact]
    public async Task A_report_that_is_not_json_yields_nothing_and_warns()
    {
        var (findings, context) = await ParseAsync(new SyftAdapter(), new MemoryStream(Encoding.UTF8.GetBytes("error: could not fetch image")));
        Assert.Empty(findings);
        Assert.NotEmpty(context.Warnings);
    }
}

/// <summary>cdxgen's SBOM of a Node project, Fixtures/cdxgen-12.8-npm-lock.json: the real output of cdxgen 12.8.4
/// (the scangate/cdxgen image) on a repository holding a package.json and a lockfileVersion 3 package-lock.json —
/// CycloneDX 1.6 with metadata.component of type application, and components carrying group, name, version, hashes,
/// licenses, purl, properties (SrcFile, ResolvedUrl, LocalNodeModulesPath) and evidence.</summary>
public class CdxgenReportTests
{
    private const string Report = "cdxgen-12.8-npm-lock.json";

    [Fact]
    public async Task Lock_file_packages_are_components_with_package_version_and_file()
    {
        var (findings, context) = await ParseFixtureAsync(new CdxgenAdapter(), Report);

        Assert.Empty(context.Warnings);
        Assert.Equal([("@isaacs/string-locale-compare", "1.1.0"), ("left-pad", "1.3.0"), ("ms", "2.1.3")],
            findings.Select(f => (f.Location.Package!, f.Location.Version!)).Order());
        Assert.All(findings, f =>
        {
            Assert.Equal(FindingCategories.SbomComponent, f.Category);
            Assert.Equal(Severity.Info, f.Severity);
            Assert.Equal("component:npm", f.RuleId);
            Assert.Equal("package-lock.json", f.Location.File);
            Assert.Null(f.Location.Image); // the SBOM's subject is an application, not an image
        });
    }

    [Fact]
    public Task Fingerprints_are_stable_across_scans() => AssertStableAndDistinctFingerprintsAsync(new CdxgenAdapter(), Report);

    [Fact]
    public async Task A_cut_off_sbom_keeps_the_complete_components_and_warns()
    {
        var findings = await ParseCutAsync(new CdxgenAdapter(), Report, "{\"group\":\"\",\"name\":\"ms\"");
        Assert.Equal(["@isaacs/string-locale-compare", "left-pad"], findings.Select(f => f.Location.Package!).Order());
    }
}
