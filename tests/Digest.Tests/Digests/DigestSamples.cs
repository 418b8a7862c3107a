using Digest.Digests;
using Digest.Templates;

namespace Digest.Tests.Digests;

/// <summary>Digests to render: invented papers with the shapes the feeds deliver (no authors, many authors, missing links).</summary>
internal static class DigestSamples
{
    public static readonly DigestRenderer Renderer = new(TemplateRenderer.Load());

    public static readonly DateOnly Saturday = new(2025, 11, 22);

    public static IssuePaper Paper(
        string title, string[]? topics = null, string[]? authors = null, string? abstractText = null, int upvotes = 0,
        string? page = null, string? pdf = null, string? code = null, string id = "2511.00001") =>
        new(id, title, authors ?? [], abstractText ?? "A short abstract.", upvotes, page, pdf, code, topics ?? []);

    public static DigestContent Content(IReadOnlyList<IssuePaper> papers, Frequency frequency = Frequency.Daily, string[]? following = null, DateOnly? period = null) =>
        new(period ?? Saturday, frequency, papers, following ?? ["rlhf", "diffusion models"],
            new Uri("https://digest.example/manage/MANAGE-TOKEN"),
            new Uri("https://digest.example/unsubscribe/UNSUBSCRIBE-TOKEN"),
            new Uri("https://digest.example/issues/VIEW-TOKEN"),
            new Uri("https://digest.example/"));

    /// <summary>A digest as a reader would get it: five papers, every kind of entry.</summary>
    public static DigestContent Realistic(Frequency frequency = Frequency.Daily) => Content(
    [
        Paper("Reward Models That Explain Themselves: Preference Learning with Rationales", ["rlhf"],
            ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Barbara Liskov", "Edsger Dijkstra", "Donald Knuth"],
            "Reinforcement learning from human feedback depends on reward models whose judgements are opaque. We train reward models " +
            "that produce a short rationale before each score and show that rationales improve agreement with held-out annotators by " +
            "seven points, make reward hacking easier to detect, and transfer across domains. We release 40,000 annotated comparisons " +
            "and the training code, and discuss where rationales fail: long mathematical derivations and code review.",
            upvotes: 128, page: "https://huggingface.co/papers/2511.00001", pdf: "https://arxiv.org/pdf/2511.00001", code: "https://github.com/example/rationale-rm"),
        Paper("Fast Sampling for Diffusion Models with Learned Step Schedules", ["diffusion models"], ["Emmy Noether", "Sophie Germain"],
            "We learn the step schedule of a diffusion sampler from data and cut sampling to eight steps with no loss in FID on " +
            "ImageNet 256. The schedule is a small network conditioned on the prompt.",
            upvotes: 57, page: "https://huggingface.co/papers/2511.00002", pdf: "https://arxiv.org/pdf/2511.00002", id: "2511.00002"),
        Paper("Diffusion Policies Trained with Human Preferences", ["rlhf", "diffusion models"], [],
            "Robot policies parameterised as diffusion models are fine-tuned with pairwise human preferences, without a reward model.",
            upvotes: 1, pdf: "https://arxiv.org/pdf/2511.00003", id: "2511.00003"),
        Paper("A Survey of Preference Optimisation", ["rlhf"], ["Katherine Johnson"], "", id: "local-0004"),
        Paper("Consistency Models at Scale: What Breaks Beyond a Billion Parameters and How to Fix It", ["diffusion models"],
            ["Mary Jackson", "Dorothy Vaughan", "Hedy Lamarr", "Rosalind Franklin"],
            string.Join(' ', Enumerable.Repeat("Consistency training becomes unstable at scale; we trace the cause to the noise schedule.", 6)),
            upvotes: 12, page: "https://huggingface.co/papers/2511.00005", code: "https://github.com/example/cm-scale", id: "2511.00005"),
    ], frequency);
}
