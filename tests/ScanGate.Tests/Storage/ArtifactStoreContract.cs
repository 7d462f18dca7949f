using System.Security.Cryptography;
using System.Text;
using MongoDB.Driver;
using Npgsql;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Storage;
using ScanGate.Storage.Mongo;
using ScanGate.Storage.Postgres;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Storage;

/// <summary>
/// The one contract every artifact store passes. Each adapter runs it through a subclass: in-memory,
/// PostgreSQL (a real server), and MongoDB GridFS when SCANGATE_TEST_MONGO names a server.
/// </summary>
public abstract class ArtifactStoreContract(StoreBackend backend) : StoreContract<IArtifactStore>(backend)
{
    protected override IArtifactStore CreateInMemory() => new InMemoryArtifactStore();
    protected override IArtifactStore CreateOnPostgres(NpgsqlDataSource dataSource) => new PostgresArtifactStore(dataSource);

    protected override async Task<IArtifactStore> CreateOnMongoAsync(IMongoDatabase database)
    {
        var store = new MongoArtifactStore(database);
        await store.EnsureIndexesAsync();
        return store;
    }

    private static readonly ArtifactDescriptor NmapReport = ArtifactDescriptor.RawReport("nmap", "/out/report.xml");
    private static readonly ArtifactDescriptor Sarif = new("scan.sarif", ArtifactType.Sarif, "application/sarif+json");

    private static string Sha256Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<byte[]> ReadAllAsync(string scan, string name)
    {
        await using var opened = await Store.OpenAsync(scan, name);
        Assert.NotNull(opened);
        var copy = new MemoryStream();
        await opened.Content.CopyToAsync(copy);
        return copy.ToArray();
    }

    [SkippableFact]
    public async Task Puts_lists_and_opens_artifacts_with_equal_bytes_size_and_sha256()
    {
        var scan = Ids.NewScanId();
        var report = RandomNumberGenerator.GetBytes(300_000);
        var sarif = Encoding.UTF8.GetBytes("""{"version":"2.1.0","runs":[]}""");
        // One from a stream that can only be read once (a network body), one from a stream that can seek.
        var putReport = await Store.PutAsync(scan, NmapReport, new ForwardOnlyStream(new MemoryStream(report)));
        var putSarif = await Store.PutAsync(scan, Sarif, new MemoryStream(sarif));

        Assert.Equal(("nmap.xml", ArtifactType.RawReport, "application/xml"), (putReport.Name, putReport.Type, putReport.MediaType));
        Assert.Equal((report.LongLength, Sha256Of(report)), (putReport.Size, putReport.Sha256));
        Assert.Equal((sarif.LongLength, Sha256Of(sarif)), (putSarif.Size, putSarif.Sha256));
        Assert.InRange(putReport.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        var listed = await Store.ListAsync(scan);
        Assert.Equal([putReport, putSarif], listed); // by name, and just as the puts said
        Assert.Equal(report, await ReadAllAsync(scan, "nmap.xml"));
        Assert.Equal(sarif, await ReadAllAsync(scan, "scan.sarif"));
        await using var opened = await Store.OpenAsync(scan, "scan.sarif");
        Assert.Equal(putSarif, opened!.Info);
    }

    [SkippableFact]
    public async Task Putting_the_same_name_again_replaces_the_artifact()
    {
        var scan = Ids.NewScanId();
        await Store.PutAsync(scan, ArtifactDescriptor.ScanLog, new MemoryStream(Encoding.UTF8.GetBytes("first run\n")));
        var second = Encoding.UTF8.GetBytes("second run, longer than the first\n");
        var replaced = await Store.PutAsync(scan, ArtifactDescriptor.ScanLog with { MediaType = "text/plain" }, new MemoryStream(second));

        var only = Assert.Single(await Store.ListAsync(scan));
        Assert.Equal(replaced, only);
        Assert.Equal(("text/plain", Sha256Of(second), second.LongLength), (only.MediaType, only.Sha256, only.Size));
        Assert.Equal(second, await ReadAllAsync(scan, "scan.log"));
    }

    [SkippableFact]
    public async Task An_absent_artifact_opens_as_null_and_an_unknown_scan_lists_nothing()
    {
        var scan = Ids.NewScanId();
        Assert.Empty(await Store.ListAsync(scan));
        Assert.Null(await Store.OpenAsync(scan, "nmap.xml"));
        await Store.PutAsync(scan, NmapReport, new MemoryStream([1, 2, 3]));
        Assert.Null(await Store.OpenAsync(scan, "testssl.json"));
        Assert.Null(await Store.OpenAsync(Ids.NewScanId(), "nmap.xml"));
    }

    [SkippableFact]
    public async Task Scans_are_kept_apart_and_deleting_one_leaves_the_others()
    {
        var first = Ids.NewScanId();
        var second = Ids.NewScanId();
        await Store.PutAsync(first, NmapReport, new MemoryStream("first"u8.ToArray()));
        await Store.PutAsync(first, Sarif, new MemoryStream("{}"u8.ToArray()));
        await Store.PutAsync(second, NmapReport, new MemoryStream("second"u8.ToArray()));

        Assert.Equal(["nmap.xml", "scan.sarif"], (await Store.ListAsync(first)).Select(a => a.Name));
        Assert.All(await Store.ListAsync(second), a => Assert.Equal(second, a.ScanId));
        Assert.Equal("second"u8.ToArray(), await ReadAllAsync(second, "nmap.xml"));

        await Store.DeleteScanAsync(first);
        Assert.Empty(await Store.ListAsync(first));
        Assert.Null(await Store.OpenAsync(first, "nmap.xml"));
        Assert.Equal("second"u8.ToArray(), await ReadAllAsync(second, "nmap.xml"));
        await Store.DeleteScanAsync(Ids.NewScanId()); // nothing to delete is no error
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../etc/passwd")]
    [InlineData("reports\\nmap.xml")]
    [InlineData("nmap\n.xml")]
    public async Task Refuses_a_name_that_is_not_a_plain_file_name(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(Ids.NewScanId(), NmapReport with { Name = name }, new MemoryStream([1])));
    }

    [SkippableFact]
    public async Task A_20_MB_artifact_round_trips_streamed_both_ways()
    {
        const long size = 20L * 1024 * 1024;
        var scan = Ids.NewScanId();
        // Generated as it is read and compared as it comes back, so the test holds no copy of it either.
        var source = new PatternStream(size, seed: 20);
        var put = await Store.PutAsync(scan, new ArtifactDescriptor("zap.html", ArtifactType.Html, "text/html"), source);
        Assert.Equal((size, source.Sha256), (put.Size, put.Sha256));

        await using var opened = await Store.OpenAsync(scan, "zap.html");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[8192]; // small reads, as a slow HTTP client makes
        long total = 0;
        int read;
        while ((read = await opened!.Content.ReadAsync(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            total += read;
        }
        Assert.Equal((size, source.Sha256), (total, Convert.ToHexStringLower(sha.GetHashAndReset())));
    }

    /// <summary>Deterministic bytes, produced on demand, read only forwards; knows their SHA-256 once read to the end.</summary>
    private sealed class PatternStream(long length, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;
        public string Sha256 { get; private set; } = "";
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            _random.NextBytes(buffer[..n]);
            _sha.AppendData(buffer[..n]);
            _position += n;
            if (n == 0 && Sha256 == "") Sha256 = Convert.ToHexStringLower(_sha.GetHashAndReset());
            return n;
        }
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>A stream that can be read once, forwards only, like a network body.</summary>
public sealed class ForwardOnlyStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

public sealed class InMemoryArtifactStoreContract() : ArtifactStoreContract(StoreBackend.Memory);

public sealed class PostgresArtifactStoreContract() : ArtifactStoreContract(StoreBackend.Postgres);

/// <summary>Runs where SCANGATE_TEST_MONGO names a MongoDB server; reported skipped everywhere else.</summary>
public sealed class MongoArtifactStoreContract() : ArtifactStoreContract(StoreBackend.Mongo);
