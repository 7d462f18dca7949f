using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;
using MongoDB.Driver;
using ScanGate.Contracts;

namespace ScanGate.Storage.Mongo;

/// <summary>
/// Findings in MongoDB: one document per finding with the fields every query filters and sorts on, and the
/// whole finding as JSON. A batch is one unordered bulk write of upserts keyed by (scan, fingerprint), so
/// duplicates merge; earlier triage decisions of the same project are applied as findings arrive.
/// </summary>
public sealed class MongoFindingStore : IFindingStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);
    private readonly IMongoCollection<FindingDocument> _findings;
    private readonly IMongoCollection<TriageDocument> _triage;

    public MongoFindingStore(IMongoDatabase database)
    {
        _findings = database.GetCollection<FindingDocument>("findings");
        _triage = database.GetCollection<TriageDocument>("finding_triage");
    }

    /// <summary>Creates the indexes every query the API makes relies on. Idempotent.</summary>
    public async Task EnsureIndexesAsync(CancellationToken cancellationToken = default)
    {
        var f = Builders<FindingDocument>.IndexKeys;
        await _findings.Indexes.CreateManyAsync(
        [
            new CreateIndexModel<FindingDocument>(f.Ascending(x => x.ScanId).Ascending(x => x.Fingerprint), new CreateIndexOptions { Unique = true }),
            new CreateIndexModel<FindingDocument>(f.Ascending(x => x.ScanId).Ascending(x => x.SeverityRank).Ascending(x => x.Id)),
            new CreateIndexModel<FindingDocument>(f.Ascending(x => x.OrgId).Ascending(x => x.SeverityRank).Ascending(x => x.Id)),
            new CreateIndexModel<FindingDocument>(f.Ascending(x => x.OrgId).Ascending(x => x.Status).Ascending(x => x.SeverityRank).Ascending(x => x.Id)),
            new CreateIndexModel<FindingDocument>(f.Ascending(x => x.OrgId).Ascending(x => x.ProjectKey).Ascending(x => x.Fingerprint)),
        ], cancellationToken);
        await _triage.Indexes.CreateOneAsync(new CreateIndexModel<TriageDocument>(
            Builders<TriageDocument>.IndexKeys.Ascending(x => x.OrgId).Ascending(x => x.ProjectKey).Ascending(x => x.Fingerprint),
            new CreateIndexOptions { Unique = true }), cancellationToken: cancellationToken);
    }

    public async Task AddAsync(string scanId, IReadOnlyList<Finding> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0) return;
        var merged = batch.GroupBy(f => f.Fingerprint).Select(g => g.Aggregate(FindingMerge.Merge)).ToList();
        var orgs = merged.Select(f => f.OrgId).Distinct().ToList();
        var fingerprints = merged.Select(f => f.Fingerprint).ToList();
        var decisions = (await _triage.Find(t => orgs.Contains(t.OrgId) && fingerprints.Contains(t.Fingerprint)).ToListAsync(cancellationToken))
            .ToDictionary(t => (t.OrgId, t.ProjectKey, t.Fingerprint));
        var writes = merged.Select(f =>
        {
            var decided = decisions.GetValueOrDefault((f.OrgId, f.ProjectKey ?? "", f.Fingerprint));
            var doc = FindingDocument.From(scanId, decided is null ? f : f with
            {
                Status = decided.Status, StatusNote = decided.Note, StatusChangedAt = decided.ChangedAt, StatusChangedBy = decided.ChangedBy,
            });
            var update = Builders<FindingDocument>.Update
                .SetOnInsert(x => x.Id, doc.Id).SetOnInsert(x => x.OrgId, doc.OrgId).SetOnInsert(x => x.ProjectKey, doc.ProjectKey)
                .SetOnInsert(x => x.Scanner, doc.Scanner).SetOnInsert(x => x.Category, doc.Category).SetOnInsert(x => x.Status, doc.Status)
                .SetOnInsert(x => x.StatusNote, doc.StatusNote).SetOnInsert(x => x.StatusChangedAt, doc.StatusChangedAt)
                .SetOnInsert(x => x.StatusChangedBy, doc.StatusChangedBy).SetOnInsert(x => x.SearchText, doc.SearchText)
                .SetOnInsert(x => x.Data, doc.Data)
                .Max(x => x.Severity, doc.Severity).Min(x => x.SeverityRank, doc.SeverityRank);
            return (WriteModel<FindingDocument>)new UpdateOneModel<FindingDocument>(
                Builders<FindingDocument>.Filter.Where(x => x.ScanId == scanId && x.Fingerprint == f.Fingerprint), update) { IsUpsert = true };
        }).ToList();
        await _findings.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = false }, cancellationToken);
    }

    public Task<FindingPage> ListAsync(string scanId, FindingQuery query, CancellationToken cancellationToken = default) =>
        QueryAsync(null, query with { ScanId = scanId }, cancellationToken);

    public async Task<FindingPage> QueryAsync(string? orgId, FindingQuery query, CancellationToken cancellationToken = default)
    {
        var after = FindingOrder.DecodeCursor(query.Cursor);
        var b = Builders<FindingDocument>.Filter;
        var filters = new List<FilterDefinition<FindingDocument>>();
        if (orgId is not null) filters.Add(b.Eq(x => x.OrgId, orgId));
        if (query.ScanId is not null) filters.Add(b.Eq(x => x.ScanId, query.ScanId));
        if (query.ProjectKey is not null) filters.Add(b.Eq(x => x.ProjectKey, query.ProjectKey));
        if (query.MinSeverity is { } min) filters.Add(b.Gte(x => x.Severity, (int)min));
        if (query.Severities.Count > 0) filters.Add(b.In(x => x.Severity, query.Severities.Select(s => (int)s)));
        if (query.Scanner is not null) filters.Add(b.Eq(x => x.Scanner, query.Scanner));
        if (query.Status is { } st) filters.Add(b.Eq(x => x.Status, (int)st));
        if (query.Category is not null) filters.Add(b.Eq(x => x.Category, query.Category));
        if (!string.IsNullOrEmpty(query.Text))
            filters.Add(b.Regex(x => x.SearchText, new BsonRegularExpression(System.Text.RegularExpressions.Regex.Escape(query.Text.ToLowerInvariant()))));
        var filter = filters.Count == 0 ? b.Empty : b.And(filters);
        var total = (int)await _findings.CountDocumentsAsync(filter, cancellationToken: cancellationToken);

        var page = filter;
        if (after is not null)
        {
            var parts = after.Split(':', 2);
            if (parts.Length != 2 || !int.TryParse(parts[0], out var rank)) throw new ArgumentException("cursor is not one this API issued", "cursor");
            page = b.And(filter, b.Or(b.Gt(x => x.SeverityRank, rank), b.And(b.Eq(x => x.SeverityRank, rank), b.Gt(x => x.Id, parts[1]))));
        }
        var docs = await _findings.Find(page).Sort(Builders<FindingDocument>.Sort.Ascending(x => x.SeverityRank).Ascending(x => x.Id))
            .Limit(query.Limit + 1).ToListAsync(cancellationToken);
        var items = docs.Select(d => d.ToFinding()).ToList();
        var next = items.Count > query.Limit ? FindingOrder.EncodeCursor(FindingOrder.Key(items[query.Limit - 1])) : null;
        return new FindingPage(items.Take(query.Limit).ToList(), next, total);
    }

    public async Task<Finding?> GetAsync(string findingId, CancellationToken cancellationToken = default) =>
        (await _findings.Find(x => x.Id == findingId).FirstOrDefaultAsync(cancellationToken))?.ToFinding();

    public async Task<IReadOnlyList<Finding>> SetStatusAsync(IReadOnlyList<string> findingIds, FindingStatus status, string? note, string actor,
        DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var ids = findingIds.Distinct().ToList();
        await _findings.UpdateManyAsync(x => ids.Contains(x.Id), Builders<FindingDocument>.Update
            .Set(x => x.Status, (int)status).Set(x => x.StatusNote, note).Set(x => x.StatusChangedAt, at.UtcDateTime).Set(x => x.StatusChangedBy, actor),
            cancellationToken: cancellationToken);
        var updated = await _findings.Find(x => ids.Contains(x.Id)).ToListAsync(cancellationToken);
        foreach (var d in updated.DistinctBy(d => (d.OrgId, d.ProjectKey, d.Fingerprint)))
            await _triage.ReplaceOneAsync(t => t.OrgId == d.OrgId && t.ProjectKey == d.ProjectKey && t.Fingerprint == d.Fingerprint,
                new TriageDocument
                {
                    Id = $"{d.OrgId}/{d.ProjectKey}/{d.Fingerprint}", OrgId = d.OrgId, ProjectKey = d.ProjectKey, Fingerprint = d.Fingerprint,
                    Status = status, Note = note, ChangedAt = at, ChangedBy = actor,
                }, new ReplaceOptions { IsUpsert = true }, cancellationToken);
        return updated.Select(d => d.ToFinding()).OrderBy(FindingOrder.Key, StringComparer.Ordinal).ToList();
    }

    public async Task<SeverityCounts> CountAsync(string scanId, CancellationToken cancellationToken = default)
    {
        var groups = await _findings.Aggregate().Match(x => x.ScanId == scanId)
            .Group(x => x.Severity, g => new { Severity = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        int C(Severity s) => groups.FirstOrDefault(g => g.Severity == (int)s)?.Count ?? 0;
        return new SeverityCounts { Critical = C(Severity.Critical), High = C(Severity.High), Medium = C(Severity.Medium), Low = C(Severity.Low), Info = C(Severity.Info) };
    }

    public Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default) =>
        _findings.DeleteManyAsync(x => x.ScanId == scanId, cancellationToken);

    public Task DeleteScannerAsync(string scanId, string scanner, CancellationToken cancellationToken = default) =>
        _findings.DeleteManyAsync(x => x.ScanId == scanId && x.Scanner == scanner, cancellationToken);

    public sealed class FindingDocument
    {
        [BsonId] public string Id { get; set; } = "";
        [BsonElement("scan_id")] public string ScanId { get; set; } = "";
        [BsonElement("org_id")] public string OrgId { get; set; } = "";
        [BsonElement("project_key")] public string ProjectKey { get; set; } = "";
        [BsonElement("fingerprint")] public string Fingerprint { get; set; } = "";
        [BsonElement("scanner")] public string Scanner { get; set; } = "";
        [BsonElement("category")] public string Category { get; set; } = "";
        [BsonElement("severity")] public int Severity { get; set; }
        [BsonElement("severity_rank")] public int SeverityRank { get; set; }
        [BsonElement("status")] public int Status { get; set; }
        [BsonElement("status_note")] public string? StatusNote { get; set; }
        [BsonElement("status_changed_at")] public DateTime? StatusChangedAt { get; set; }
        [BsonElement("status_changed_by")] public string? StatusChangedBy { get; set; }
        [BsonElement("search_text")] public string SearchText { get; set; } = "";
        [BsonElement("data")] public string Data { get; set; } = "";

        public static FindingDocument From(string scanId, Finding f) => new()
        {
            Id = f.Id, ScanId = scanId, OrgId = f.OrgId, ProjectKey = f.ProjectKey ?? "", Fingerprint = f.Fingerprint, Scanner = f.Scanner,
            Category = f.Category, Severity = (int)f.Severity, SeverityRank = 4 - (int)f.Severity, Status = (int)f.Status,
            StatusNote = f.StatusNote, StatusChangedAt = f.StatusChangedAt?.UtcDateTime, StatusChangedBy = f.StatusChangedBy,
            SearchText = string.Join('\n', new[] { f.Title, f.Description, f.RuleId, f.Location.ToString() }.Where(s => !string.IsNullOrEmpty(s))).ToLowerInvariant(),
            Data = JsonSerializer.Serialize(f, Json),
        };

        public Finding ToFinding() => JsonSerializer.Deserialize<Finding>(Data, Json)! with
        {
            Severity = (Severity)Severity, Status = (FindingStatus)Status, StatusNote = StatusNote,
            StatusChangedAt = StatusChangedAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null,
            StatusChangedBy = StatusChangedBy,
        };
    }

    public sealed class TriageDocument
    {
        [BsonId] public string Id { get; set; } = "";
        [BsonElement("org_id")] public string OrgId { get; set; } = "";
        [BsonElement("project_key")] public string ProjectKey { get; set; } = "";
        [BsonElement("fingerprint")] public string Fingerprint { get; set; } = "";
        [BsonElement("status")] public FindingStatus Status { get; set; }
        [BsonElement("note")] public string? Note { get; set; }
        [BsonElement("changed_at")] public DateTimeOffset ChangedAt { get; set; }
        [BsonElement("changed_by")] public string ChangedBy { get; set; } = "";
    }
}
