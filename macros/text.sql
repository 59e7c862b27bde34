{#
    Text helpers. Sector systems store Vietnamese text in whatever Unicode form the client sent
    (NFC or decomposed NFD), with stray spaces; staging stores NFC, trimmed, empty → null.
    DuckDB-only functions are isolated here behind adapter.dispatch so the models stay portable.
#}

{# NFC-normalised, trimmed text; empty strings become null. #}
{% macro clean_text(column) -%}
    {{ return(adapter.dispatch('clean_text', 'kho')(column)) }}
{%- endmacro %}

{% macro duckdb__clean_text(column) -%}
    nullif(trim(nfc_normalize({{ column }})), '')
{%- endmacro %}

{% macro postgres__clean_text(column) -%}
    nullif(trim(normalize({{ column }}, NFC)), '')
{%- endmacro %}

{% macro default__clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}


{# A code value: cleaned and lower-cased (enumerations like `truc_tuyen`, `da_tra_ket_qua`). #}
{% macro clean_code(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}


{# True when the text is already in Unicode NFC (used by the `sach` tests on raw text). #}
{% macro is_nfc(column) -%}
    {{ return(adapter.dispatch('is_nfc', 'kho')(column)) }}
{%- endmacro %}

{% macro duckdb__is_nfc(column) -%}
    ({{ column }} = nfc_normalize({{ column }}))
{%- endmacro %}

{% macro postgres__is_nfc(column) -%}
    ({{ column }} is nfc normalized)
{%- endmacro %}

{% macro default__is_nfc(column) -%}
    {{ exceptions.raise_compiler_error("is_nfc: no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}


{#
    Diacritic- and case-insensitive search key: "Điện Biên" → "dien bien". `đ/Đ` is a base letter,
    not a combining mark, so strip_accents keeps it and it is replaced explicitly.
#}
{% macro fold_text(column) -%}
    {{ return(adapter.dispatch('fold_text', 'kho')(column)) }}
{%- endmacro %}

{% macro duckdb__fold_text(column) -%}
    lower(replace(replace(strip_accents({{ column }}), 'Đ', 'D'), 'đ', 'd'))
{%- endmacro %}

{% macro default__fold_text(column) -%}
    {#- Portable fallback: translate() over the Vietnamese letters (NFC input). -#}
    {%- set accented = 'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ' -%}
    {%- set plain    = 'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd' -%}
    translate(lower({{ column }}), '{{ accented }}', '{{ plain }}')
{%- endmacro %}


{# Full-string regular-expression match. #}
{% macro matches_regex(column, pattern) -%}
    {{ return(adapter.dispatch('matches_regex', 'kho')(column, pattern)) }}
{%- endmacro %}

{% macro duckdb__matches_regex(column, pattern) -%}
    regexp_full_match({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro default__matches_regex(column, pattern) -%}
    ({{ column }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}
