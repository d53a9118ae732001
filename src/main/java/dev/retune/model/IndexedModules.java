package dev.retune.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.bytedeco.pytorch.Module;

/**
 * Children registered as "0", "1", ... so parameter names read {@code layers.3.fc1.weight}, as in PyTorch's
 * ModuleList; also a typed Java list, because libtorch's own ModuleList cannot hand back Java subclasses.
 */
public final class IndexedModules<T extends Module> extends Module implements Iterable<T> {

    private final List<T> items = new ArrayList<>();

    public IndexedModules(List<T> modules) {
        for (T module : modules) {
            register_module(Integer.toString(items.size()), module);
            items.add(module);
        }
    }

    public T get(int index) {
        return items.get(index);
    }

    public int count() {
        return items.size();
    }

    public List<T> asList() {
        return Collections.unmodifiableList(items);
    }

    @Override
    public Iterator<T> iterator() {
        return asList().iterator();
    }
}
