using System.Security.Cryptography;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;
using ScanGate.Storage;

namespace ScanGate.Tests.Storage;

/// <summary>The report tee a scanner run uses to keep its raw report as an artifact while its parser reads it.</summary>
public sealed class ArtifactReportTeeTests
{
    private static readonly string NmapFixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "nmap-7.95-service-detection.xml");

    private static async Task<List<Finding>> ParseAsync(Stream report)
    {
        var list = new List<Finding>();
        await foreach (var f in new NmapAdapter().ParseReportAsync(report, new FindingContext("scn_TEST", "nmap"), CancellationToken.None)) list.Add(f);
        return list;
    }

    [Fact]
    public async Task A_report_read_once_is_stored_whole_and_parsed_whole()
    {
        var bytes = await File.ReadAllBytesAsync(NmapFixture);
        var expected = await ParseAsync(new MemoryStream(bytes));
        var store = new InMemoryArtifactStore();

        await using (var report = new ForwardOnlyStream(new MemoryStream(bytes)))
        await using (var tee = await ReportTee.SpoolAsync(report))
        {
            var stored = await tee.StoreAsync(store, "scn_TEST", ArtifactDescriptor.RawReport("nmap", "/out/report.xml"));
            Assert.Equal(("nmap.xml", ArtifactType.RawReport, "application/xml"), (stored.Name, stored.Type, stored.MediaType));
            Assert.Equal((bytes.LongLength, Convert.ToHexStringLower(SHA256.HashData(bytes))), (stored.Size, stored.Sha256));
            Assert.Equal(expected.Select(f => f.Fingerprint), (await ParseAsync(tee.Rewound())).Select(f => f.Fingerprint));
        }

        await using var opened = await store.OpenAsync("scn_TEST", "nmap.xml");
        var copy = new MemoryStream();
        await opened!.Content.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task A_seekable_report_is_used_in_place_in_either_order_and_storing_may_be_retried()
    {
        var bytes = await File.ReadAllBytesAsync(NmapFixture);
        var store = new InMemoryArtifactStore();
        var report = new MemoryStream(bytes);
        await using (var tee = await ReportTee.SpoolAsync(report))
        {
            Assert.NotEmpty(await ParseAsync(tee.Rewound())); // the parser first, and it may dispose what it read
            var first = await tee.StoreAsync(store, "scn_TEST", ArtifactDescriptor.RawReport("nmap", "/out/report.xml"));
            var again = await tee.StoreAsync(store, "scn_TEST", ArtifactDescriptor.RawReport("nmap", "/out/report.xml"));
            Assert.Equal((bytes.LongLength, first.Sha256), (again.Size, again.Sha256));
        }
        Assert.True(report.CanRead); // the caller's stream is the caller's to dispose
    }
}
