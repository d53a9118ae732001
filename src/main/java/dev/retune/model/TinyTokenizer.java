package dev.retune.model;

import dev.retune.data.AtomicFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The word-level tokenizer the tiny demo model ships with, written as a Hugging Face {@code tokenizer.json} (no real
 * tokenizer can be downloaded where the demo runs). Text is NFKC-normalised and lower-cased, split on whitespace and
 * at every punctuation character, and each piece looked up in a fixed vocabulary; {@code </s>} is appended, as T5's
 * tokenizer does, so {@link TextTokenizer} treats it exactly like the real one.
 *
 * <p>The vocabulary is, in id order: {@code <pad>} 0, {@code </s>} 1, {@code <unk>} 2, the ASCII punctuation
 * characters, the numbers 0 to 200 (tempos), then a sorted list of music words (genres, instruments, sound design,
 * tempo and key words, moods) that includes every word of the demo dataset's descriptions and metadata. The ids are
 * baked into every tiny checkpoint: editing the list renumbers the words, so treat it as frozen once checkpoints
 * exist.
 */
public final class TinyTokenizer {

    public static final String PAD = "<pad>";
    public static final String EOS = "</s>";
    public static final String UNK = "<unk>";

    /** Numbers the vocabulary holds as digit strings, 0 to this (inclusive): covers every usual tempo in bpm. */
    static final int LARGEST_NUMBER = 200;

    /** Lower-case words, sorted and without duplicates (a test checks both); no punctuation: it is split off. */
    static final List<String> WORDS = List.of("""
            16th 303 4th 7th 808 8th 909 9th a ab accordion acid acoustic afrobeat age aggressive airy alto ambient
            an analog and angry anthemic arpeggiator arpeggio arpeggios as at atmospheric attack aug augmented b
            back background banjo bap bar bars bass bassline basslines bassoon bb beat beats bell bells big bit
            bitcrushed blues bluesy bongo bongos boom bossa bouncing bouncy bowed bpm brass breakbeat breakdown
            breaks bridge bright brooding build building busy by c calm catchy cello center cheerful chill chillout
            chillwave chimes chip chiptune choir chord chords chorus chromatic cinematic clap claps clarinet classic
            classical clean closed club cold compressed compression conga congas cosmic country cowbell crackle
            crash crisp crunchy cymbal cymbals d dance dancehall dark db decay deep delay delicate dense detuned
            digital dim diminished dirty disco distorted distortion dorian double downbeat downtempo dramatic dreamy
            driving drone drop drum drumkit drums dry dub dubstep dusty e eb echo edm eerie eighth electric electro
            electronic electronica emotional energetic envelope epic ethereal evolving exciting experimental f fade
            fading falling fast faster fat feel festival festive fi fiddle film filter filtered flamenco flanger
            flat floating floor flute fm folk for four fresh from funk funky fusion futuristic fuzz fuzzy g game
            garage gb genre genres gentle glassy glide glitch glockenspiel gloomy glossy gospel gradually grand
            granular gritty groove grooves groovy grunge guitar guitars half halftime handpan happy hard hardcore
            hardstyle harmonic harmonica harmonics harmonies harmony harp hat hats haunting heavy heroic hi high hip
            hollow hook hop hopeful horn horns house huge human hypnotic idm in indie industrial instrument
            instrumental instruments intense intimate into intro jazz jazzy joyful jungle kalimba key keywords kick
            kicks laid latin layer layered layers lazy lead leads left legato less lfo lick light like line lines
            little live lively lo lofi long loop loops loose lot lots loud lounge low lush lydian maj major mallet
            mallets mandolin marimba meditation melancholic melancholy mellotron mellow melodic melody menacing
            metal metallic mid min minimal minor mix mixolydian mode moderate modern modular mono mood moods moody
            moog more morning motif movie muddy music muted mysterious natural neo new night no noise nostalgic note
            notes nova oboe ocean of offbeat old on open or orchestra orchestral organ organic oscillator outro over
            overdrive pad pads panned party pattern peaceful pentatonic percussion percussive phaser phrygian piano
            pizzicato playful pluck plucked plucks plucky pop portamento powerful production progression progressive
            psychedelic pulse pulsing punchy punk quality quarter quick quiet rainy rap raw recording reggae
            reggaeton relaxed relaxing release resonance resonant retro reverb rhodes rhythm rhythmic rich ride riff
            riffs right rimshot riser rising rnb robotic rock rolling romantic round sad salsa samba sample sampler
            samples saturated saturation saw sawtooth sax saxophone scale school sequence serene seventh shaker
            sharp shimmering shoegaze short shuffle sidechain signature simple sine sitar sixteenth ska sleep sleepy
            slow slower slowly small smooth snappy snare snares soft solo somber some song soothing soprano soul
            soulful sound sounds soundtrack space spacey sparkling sparse spooky square stab stabs staccato steady
            stereo straight strings studio study style sub subtle summer sunny supersaw sus suspended sustain
            sustained sweep sweeps sweet swell swing swirling swung syncopated synth synthesizer synthetic synthpop
            synths synthwave tabla tambourine tape techno tempo tender tenor tense texture textures the theme thick
            thin tight timbre time timpani to tom toms tone tones track trance trap tremolo triangle tribal trip
            triplet triplets triumphant trombone trumpet tuba tune ukulele under unhurried upbeat uplifting
            vaporwave verse very vibe vibraphone vibrato video vintage vinyl viola violin vocal vocals voice wah
            waltz warm wave waveform waves weird wet whistle whole wide winter wistful with without wobble wooden
            world xylophone
            """.strip().split("\\s+"));

    private static final List<String> VOCABULARY = buildVocabulary();

    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private TinyTokenizer() {}

    /** Writes the tokenizer.json atomically (a crash leaves the previous file or none). */
    public static void write(Path file) {
        AtomicFile.writeString(file, JSON.writeValueAsString(tokenizerJson()) + "\n");
    }

    /** The number of tokens, specials included: the tiny text encoder's embedding rows. */
    public static int vocabularySize() {
        return VOCABULARY.size();
    }

    /** Every token in id order. */
    static List<String> vocabulary() {
        return VOCABULARY;
    }

    private static List<String> buildVocabulary() {
        List<String> tokens = new ArrayList<>(List.of(PAD, EOS, UNK));
        for (char c = '!'; c <= '~'; c++) {
            if (!Character.isLetterOrDigit(c)) {
                tokens.add(String.valueOf(c));
            }
        }
        for (int n = 0; n <= LARGEST_NUMBER; n++) {
            tokens.add(Integer.toString(n));
        }
        tokens.addAll(WORDS);
        return List.copyOf(tokens);
    }

    private static ObjectNode tokenizerJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : List.of(PAD, EOS, UNK)) {
            added.addObject()
                    .put("id", VOCABULARY.indexOf(special))
                    .put("content", special)
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        root.set("normalizer", sequence("normalizers", typed("NFKC"), typed("Lowercase")));
        root.set("pre_tokenizer", sequence("pretokenizers", typed("WhitespaceSplit"),
                typed("Punctuation").put("behavior", "Isolated")));
        root.set("post_processor", appendEos());
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < VOCABULARY.size(); id++) {
            vocab.put(VOCABULARY.get(id), id);
        }
        model.put("unk_token", UNK);
        return root;
    }

    /** TemplateProcessing: "$A </s>" for one text, "$A </s> $B </s>" for a pair (as T5's tokenizer). */
    private static ObjectNode appendEos() {
        ObjectNode processor = typed("TemplateProcessing");
        ArrayNode single = processor.putArray("single");
        single.add(sequencePiece("A"));
        single.add(eosPiece());
        ArrayNode pair = processor.putArray("pair");
        pair.add(sequencePiece("A"));
        pair.add(eosPiece());
        pair.add(sequencePiece("B"));
        pair.add(eosPiece());
        ObjectNode eos = processor.putObject("special_tokens").putObject(EOS);
        eos.put("id", EOS);
        eos.putArray("ids").add(VOCABULARY.indexOf(EOS));
        eos.putArray("tokens").add(EOS);
        return processor;
    }

    private static ObjectNode sequencePiece(String id) {
        ObjectNode piece = JSON.createObjectNode();
        piece.putObject("Sequence").put("id", id).put("type_id", 0);
        return piece;
    }

    private static ObjectNode eosPiece() {
        ObjectNode piece = JSON.createObjectNode();
        piece.putObject("SpecialToken").put("id", EOS).put("type_id", 0);
        return piece;
    }

    private static ObjectNode typed(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    private static ObjectNode sequence(String listKey, ObjectNode... steps) {
        ObjectNode node = typed("Sequence");
        ArrayNode list = node.putArray(listKey);
        Arrays.stream(steps).forEach(list::add);
        return node;
    }
}
