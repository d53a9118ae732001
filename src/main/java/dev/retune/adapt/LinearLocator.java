package dev.retune.adapt;

import dev.retune.model.Linear;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringSharedModuleDict;

/**
 * Finds the Java {@link Linear} objects of a module tree together with their full module paths.
 *
 * <p>libtorch knows the paths ({@code named_modules()}) but hands back plain C++ module handles, not the Java objects
 * whose {@code setDelta} an adapter must call. Java knows the objects: every module made from Java is held by a field
 * of its parent's Java object (the project's rule, see docs/bytedeco.md), directly or in an {@code Iterable} such as
 * {@code IndexedModules}. So: walk the Java fields from the root, collect each Linear by its native address, then read
 * the paths from {@code named_modules()} and join the two by address (a Java module and its C++ handle share it).
 * A Linear reachable from Java but absent from the C++ tree is an error; C++ modules that are not Java Linears
 * (containers, norms, convolutions, adapters' own children) are ignored.
 */
final class LinearLocator {

    private static final String PROJECT_PACKAGES = "dev.retune.";

    private LinearLocator() {}

    /** Every Linear of {@code root}'s tree by full module path, in libtorch's (registration) order. */
    static Map<String, Linear> linears(Module root) {
        Map<Long, Linear> byAddress = new HashMap<>();
        collect(root, Collections.newSetFromMap(new IdentityHashMap<>()), byAddress);

        Map<String, Linear> byPath = new LinkedHashMap<>();
        StringSharedModuleDict named = root.named_modules("", false);
        for (long i = 0; i < named.size(); i++) {
            Linear linear = byAddress.remove(named.get(i).value().address());
            if (linear != null) {
                byPath.put(named.get(i).key().getString(), linear);
            }
        }
        if (!byAddress.isEmpty()) {
            throw new IllegalStateException(byAddress.size() + " Linear module(s) held by Java fields are not registered"
                    + " in the module tree, so they have no path (register_module was not called on them)");
        }
        return byPath;
    }

    /** Depth-first over Module-valued fields and Iterables of Modules, in the project's classes only. */
    private static void collect(Object node, Set<Object> seen, Map<Long, Linear> out) {
        if (!seen.add(node)) {
            return;
        }
        if (node instanceof Linear linear) {
            out.put(linear.address(), linear);
            return; // an adapter's lora_A / lora_B are not fields of the Linear: never adapted twice over
        }
        if (node instanceof Iterable<?> items) {
            for (Object item : items) {
                if (item instanceof Module) {
                    collect(item, seen, out);
                }
            }
        }
        for (Class<?> type = node.getClass(); type != null && type.getName().startsWith(PROJECT_PACKAGES);
                type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                Object value = moduleValue(node, field);
                if (value != null) {
                    collect(value, seen, out);
                }
            }
        }
    }

    /** The field's value when it can hold modules (a Module or an Iterable), else null. */
    private static Object moduleValue(Object owner, Field field) {
        if (Modifier.isStatic(field.getModifiers())
                || !(Module.class.isAssignableFrom(field.getType()) || Iterable.class.isAssignableFrom(field.getType()))) {
            return null;
        }
        if (!field.trySetAccessible()) {
            throw new IllegalStateException("cannot read " + field + " to look for Linear modules");
        }
        try {
            return field.get(owner);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + field + " to look for Linear modules", e);
        }
    }
}
