package dev.retune.studio;

import dev.retune.studio.GenerationJobs.Plan;
import dev.retune.studio.GenerationJobs.State;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** A job of the {@link GenerationJobs} queue and its progress; guarded by the queue's lock. */
final class GenerationJob {
    final String id;
    final String kind;
    final Sampling sampling;
    final List<Item> items = new ArrayList<>();
    final boolean blind;
    final AtomicBoolean stop = new AtomicBoolean();
    final String created = Instant.now().toString();
    State state = State.QUEUED;
    int done;
    String error;

    GenerationJob(String id, String kind, Sampling sampling, List<Plan> plans, boolean blind) {
        this.id = id;
        this.kind = kind;
        this.sampling = sampling;
        this.blind = blind;
        for (int i = 0; i < plans.size(); i++) {
            items.add(new Item(i, plans.get(i)));
        }
    }

    Map<String, Object> view() {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", id);
        view.put("kind", kind);
        view.put("state", state.json());
        view.put("created", created);
        view.put("done", done);
        view.put("total", items.size());
        view.put("cancel_requested", stop.get());
        view.put("error", error);
        view.put("sampling", sampling);
        List<Map<String, Object>> itemViews = new ArrayList<>();
        items.forEach(item -> itemViews.add(item.view(blind)));
        view.put("items", itemViews);
        return view;
    }

    /** One item of a job. */
    static final class Item {
        final int index;
        final Plan plan;
        State state = State.QUEUED;
        Map<String, Object> clip; // set once done

        Item(int index, Plan plan) {
            this.index = index;
            this.plan = plan;
        }

        /** Its view: with the clip's file URL, parameters and metrics once it is done. */
        Map<String, Object> view(boolean blind) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("index", index);
            view.put("label", plan.label());
            view.put("source", blind ? null : plan.source().spec());
            view.put("prompt", plan.prompt());
            view.put("seed", plan.seed());
            view.put("state", state.json());
            if (clip != null) {
                view.putAll(clip);
            }
            return view;
        }
    }
}
