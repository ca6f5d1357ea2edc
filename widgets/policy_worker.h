// PolicyWorker: the flow explorer's model work off the GUI thread (issue 18's "policy beside
// target"). One std::thread owns up to two train::PolicyProbe (slots A and B) and answers the
// latest request only: submit() replaces a request still waiting, so clicking through the tree
// never queues work behind itself. A result is delivered on the GUI thread through the
// callback given to the constructor, tagged with the request's generation (the caller drops
// stale ones).
// Per slot the worker keeps the probe of the last checkpoint (opened again only when the path
// changes), its prompt (rebuilt only when the prompt changes) and the probe's KV cache of the
// states along the path, so stepping to a child costs one decoding step.
// Failure: whatever a probe throws (a folder that is no checkpoint, a vocabulary that lacks
// the tree's tokens, a row outside its split) becomes that slot's error text; the other slot
// still answers.
// Ownership: owned by one widget (GUI thread); the destructor stops and joins the thread.
#pragma once

#include "core/flow/flow_explorer.h"
#include "core/train/policy_probe.h"

#include <QObject>
#include <QString>

#include <array>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace flower::widgets {

struct PolicyRequest {
    int generation = 0;
    std::array<QString, 2> checkpoints;  // "" = slot not used
    train::ProbePrompt prompt;
    std::shared_ptr<const flow::FlowExplorer> explorer;
    flow::NodeId node = 0;                             // in the explorer's trie
    std::vector<std::vector<text::TokenId>> chunks;    // the node's children (explorer order)
    std::optional<flow::TitleIndex> title;             // the title to follow token by token
};

struct PolicySlotResult {
    bool used = false;
    QString error;        // non-empty: this slot failed (the core's message)
    QString label;        // "#3 tiny-movies-sft (sft)" or the folder's name
    QString promptText;   // the prompt the probe read, decoded
    std::int64_t rows = -1;  // rows of the prompt's split (dataset-row prompts), -1 unknown
    std::vector<train::ChildProbability> children;
    std::optional<train::TitleProbability> title;
};

struct PolicyResult {
    int generation = 0;
    std::array<PolicySlotResult, 2> slots;
    double barsMs = 0.0;   // the children's bars of both slots, model work only
    double totalMs = 0.0;  // loading, prompt, bars and title
};

class PolicyWorker : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(const PolicyResult&)>;
    PolicyWorker(Callback onResult, QObject* parent = nullptr);
    ~PolicyWorker() override;

    void submit(PolicyRequest request);
    // A request is waiting or being computed.
    bool busy() const;

private:
    void loop();
    PolicyResult compute(const PolicyRequest& request);

    struct Slot {
        QString checkpoint;
        std::optional<train::PolicyProbe> probe;
        QString label;
        std::optional<train::ProbePrompt> prompt;
        const flow::FlowExplorer* checked = nullptr;  // explorer whose tree was checked
    };

    Callback onResult_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<PolicyRequest> pending_;
    bool running_ = false;  // computing a request
    bool stop_ = false;
    std::array<Slot, 2> slots_;  // worker thread only
    std::thread thread_;
};

}  // namespace flower::widgets
