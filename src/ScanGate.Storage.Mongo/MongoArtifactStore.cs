using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.GridFS;
using ScanGate.Contracts;

namespace ScanGate.Storage.Mongo;

/// <summary>
/// Artifacts in MongoDB GridFS (bucket "artifacts"): one GridFS file per put, named "{scanId}/{name}", its
/// metadata in the file's metadata document. Content is uploaded and downloaded in GridFS chunks, never whole.
/// GridFS keeps revisions and a file's SHA-256 is known only once its upload ends, so a put is complete (and
/// visible) when its metadata has its sha256; then the older revisions of the name are deleted.
/// </summary>
public sealed class MongoArtifactStore : IArtifactStore
{
    public const string BucketName = "artifacts";
    private readonly GridFSBucket _bucket;
    /// <summary>The bucket's files collection: completing a put sets fields of its metadata there.</summary>
    private readonly IMongoCollection<BsonDocument> _files;
    private readonly TimeProvider _clock;
    // Filters name the fields of the GridFS files collection as stored (its specification fixes them).
    private static readonly FilterDefinitionBuilder<GridFSFileInfo> Filter = Builders<GridFSFileInfo>.Filter;
    private static readonly FilterDefinition<GridFSFileInfo> Complete = Filter.Exists("metadata.sha256");

    public MongoArtifactStore(IMongoDatabase database, TimeProvider? clock = null)
    {
        _bucket = new GridFSBucket(database, new GridFSBucketOptions { BucketName = BucketName });
        _files = database.GetCollection<BsonDocument>(BucketName + ".files");
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Creates the index a scan's artifacts are listed and deleted by (GridFS makes its own by file name
    /// on the first upload). Idempotent.</summary>
    public Task EnsureIndexesAsync(CancellationToken cancellationToken = default) =>
        _files.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            Builders<BsonDocument>.IndexKeys.Ascending("metadata.scan_id").Ascending("metadata.name")), cancellationToken: cancellationToken);

    private static string FileName(string scanId, string name) => $"{scanId}/{name}";

    public async Task<ArtifactInfo> PutAsync(string scanId, ArtifactDescriptor artifact, Stream content, CancellationToken cancellationToken = default)
    {
        ArtifactNames.Validate(artifact.Name);
        var createdAt = ArtifactNames.Now(_clock);
        var fileName = FileName(scanId, artifact.Name);
        var metadata = new BsonDocument
        {
            ["scan_id"] = scanId, ["name"] = artifact.Name, ["type"] = artifact.Type.Word(),
            ["media_type"] = artifact.MediaType, ["created_at"] = new BsonDateTime(createdAt.UtcDateTime),
        };
        ObjectId id;
        string sha256;
        long size;
        await using (var upload = await _bucket.OpenUploadStreamAsync(fileName, new GridFSUploadOptions { Metadata = metadata }, cancellationToken))
        {
            try
            {
                (size, sha256) = await ArtifactDigest.CopyAsync(content, upload, cancellationToken);
                await upload.CloseAsync(cancellationToken);
            }
            catch
            {
                await upload.AbortAsync(CancellationToken.None); // removes the chunks written so far
                throw;
            }
            id = upload.Id;
        }
        await _files.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("_id", id),
            Builders<BsonDocument>.Update.Set("metadata.sha256", sha256), cancellationToken: cancellationToken);
        foreach (var older in await FindAsync(Filter.And(Filter.Eq("filename", fileName), Filter.Ne("_id", id)), cancellationToken))
            await DeleteQuietlyAsync(older.Id, cancellationToken);
        return new ArtifactInfo
        {
            ScanId = scanId, Name = artifact.Name, Type = artifact.Type, MediaType = artifact.MediaType,
            Size = size, Sha256 = sha256, CreatedAt = createdAt,
        };
    }

    public async Task<IReadOnlyList<ArtifactInfo>> ListAsync(string scanId, CancellationToken cancellationToken = default) =>
        (await FindAsync(Filter.And(Filter.Eq("metadata.scan_id", scanId), Complete), cancellationToken))
            .GroupBy(f => f.Filename).Select(Newest) // a replacement whose older revision is not deleted yet
            .Select(InfoOf).OrderBy(a => a.Name, StringComparer.Ordinal).ToList();

    public async Task<ArtifactContent?> OpenAsync(string scanId, string name, CancellationToken cancellationToken = default)
    {
        // A replacement may delete the revision found here before it is opened; the next look finds the new one.
        for (var attempt = 1; ; attempt++)
        {
            var files = await FindAsync(Filter.And(Filter.Eq("filename", FileName(scanId, name)), Complete), cancellationToken);
            if (files.Count == 0) return null;
            var file = Newest(files);
            try
            {
                var download = await _bucket.OpenDownloadStreamAsync(file.Id, new GridFSDownloadOptions { Seekable = false }, cancellationToken);
                return new ArtifactContent(InfoOf(file), download);
            }
            catch (GridFSFileNotFoundException) when (attempt < 3) { }
        }
    }

    public async Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default)
    {
        foreach (var file in await FindAsync(Filter.Eq("metadata.scan_id", scanId), cancellationToken))
            await DeleteQuietlyAsync(file.Id, cancellationToken);
    }

    private async Task<List<GridFSFileInfo>> FindAsync(FilterDefinition<GridFSFileInfo> filter, CancellationToken cancellationToken)
    {
        using var cursor = await _bucket.FindAsync(filter, cancellationToken: cancellationToken);
        return await cursor.ToListAsync(cancellationToken);
    }

    /// <summary>Deletes one file; one that a concurrent put or delete removed first is as good as deleted.</summary>
    private async Task DeleteQuietlyAsync(ObjectId id, CancellationToken cancellationToken)
    {
        try { await _bucket.DeleteAsync(id, cancellationToken); }
        catch (GridFSFileNotFoundException) { }
    }

    private static GridFSFileInfo Newest(IEnumerable<GridFSFileInfo> revisions) => revisions.MaxBy(f => f.UploadDateTime)!;

    private static ArtifactInfo InfoOf(GridFSFileInfo file)
    {
        var m = file.Metadata;
        var type = m["type"].AsString;
        return new ArtifactInfo
        {
            ScanId = m["scan_id"].AsString,
            Name = m["name"].AsString,
            Type = StatusWords.ParseWord<ArtifactType>(type) ?? throw new InvalidOperationException($"artifact type '{type}' is unknown to this build"),
            MediaType = m["media_type"].AsString,
            Size = file.Length,
            Sha256 = m["sha256"].AsString,
            CreatedAt = new DateTimeOffset(m["created_at"].ToUniversalTime(), TimeSpan.Zero),
        };
    }
}
