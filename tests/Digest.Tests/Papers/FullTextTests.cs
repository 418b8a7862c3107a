using Dapper;
using Digest.Papers;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Papers;

/// <summary>
/// The demo papers in PostgreSQL, searched the way topic filters will be: websearch_to_tsquery over
/// the stored vector (title and keywords weighted above the abstract).
/// </summary>
public sealed class FullTextTests
{
    PapersHost _host = null!;

    [OneTimeSetUp]
    public async Task LoadTheDemoPapers()
    {
        _host = await PapersHost.StartAsync(now: PapersHost.AfterTheDemo);
        var report = await _host.IngestAsync(IngestRequest.Demo);
        Assert.That(report.Sources.Single().New, Is.EqualTo(84));
    }

    [OneTimeTearDown]
    public async Task Stop() => await _host.DisposeAsync();

    async Task<List<string>> SearchAsync(string query)
    {
        await using var connection = await _host.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>(
            """
            SELECT title FROM papers
            WHERE search @@ websearch_to_tsquery('english', @Query)
            ORDER BY ts_rank(search, websearch_to_tsquery('english', @Query)) DESC, title
            """, new { Query = query })).ToList();
    }

    // Expected sets checked by hand against the demo abstracts: the phrase "preference optimization"
    // (any inflection) in the text, and RLHF or DPO as words; none of the first set mentions a survey.
    static readonly string[] PreferenceOptimization =
    [
        "Statistical Rejection Sampling Improves Preference Optimization",
        "Dual Caption Preference Optimization for Diffusion Models",
        "Triple Preference Optimization: Achieving Better Alignment with Less Data in a Single Step Optimization",
        "Fine-tuning large language models for domain adaptation: Exploration of training strategies, scaling, model merging and synergistic capabilities",
        "Magpie: Alignment Data Synthesis from Scratch by Prompting Aligned LLMs with Nothing",
        "Self-Exploring Language Models: Active Preference Elicitation for Online Alignment",
        "Balancing the Budget: Understanding Trade-offs Between Supervised and Preference-Based Finetuning",
        "Decoupling Contrastive Decoding: Robust Hallucination Mitigation in Multimodal Large Language Models",
        "Preference-Oriented Supervised Fine-Tuning: Favoring Target Model Over Aligned Large Language Models",
        "Technical Report of TeleChat2, TeleChat2.5 and T1",
    ];

    static readonly string[] RlhfOrDpo =
    [
        "Intuitive Fine-Tuning: Towards Unifying SFT and RLHF into a Single Process",
        "SALSA: Soup-based Alignment Learning for Stronger Adaptation in RLHF",
        "Statistical Rejection Sampling Improves Preference Optimization",
        "Self-Exploring Language Models: Active Preference Elicitation for Online Alignment",
        "Triple Preference Optimization: Achieving Better Alignment with Less Data in a Single Step Optimization",
        "Decoupling Contrastive Decoding: Robust Hallucination Mitigation in Multimodal Large Language Models",
        "FuxiTranyu: A Multilingual Large Language Model Trained with Balanced Data",
        "Harnessing the Power of Large Language Models for Natural Language to First-Order Logic Translation",
        "Balancing the Budget: Understanding Trade-offs Between Supervised and Preference-Based Finetuning",
        "Does Refusal Training in LLMs Generalize to the Past Tense?",
        "Dual Caption Preference Optimization for Diffusion Models",
        "Fine-tuning large language models for domain adaptation: Exploration of training strategies, scaling, model merging and synergistic capabilities",
        "Harnessing Negative Signals: Reinforcement Distillation from Teacher Data for LLM Reasoning",
        "Preference-Oriented Supervised Fine-Tuning: Favoring Target Model Over Aligned Large Language Models",
        "Technical Report of TeleChat2, TeleChat2.5 and T1",
    ];

    [Test]
    public async Task A_quoted_phrase_with_an_exclusion_finds_the_preference_optimization_papers()
    {
        var found = await SearchAsync("\"preference optimization\" -survey");

        Assert.That(found, Is.EquivalentTo(PreferenceOptimization));
        Assert.That(found.Take(3), Is.EquivalentTo(PreferenceOptimization.Take(3)), "a match in the title ranks above one in the abstract");
    }

    [Test]
    public async Task OR_finds_the_papers_that_mention_either_word()
    {
        Assert.That(await SearchAsync("RLHF OR DPO"), Is.EquivalentTo(RlhfOrDpo));
    }

    [Test]
    public async Task A_minus_excludes_the_papers_that_mention_the_word()
    {
        var all = await SearchAsync("fine-tuning");
        var withoutSurveys = await SearchAsync("fine-tuning -survey");

        Assert.That(all, Does.Contain("Parameter-Efficient Fine-Tuning for Foundation Models"));
        Assert.That(all.Except(withoutSurveys), Is.EqualTo(new[] { "Parameter-Efficient Fine-Tuning for Foundation Models" }));
    }

    [Test]
    public async Task Inflections_match_through_the_english_stemmer()
    {
        Assert.That(await SearchAsync("hallucinating"), Is.EquivalentTo(await SearchAsync("hallucination")));
        Assert.That(await SearchAsync("hallucination"), Is.Not.Empty);
    }
}
