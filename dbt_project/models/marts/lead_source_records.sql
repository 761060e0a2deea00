{#- Lineage: every source record that formed a lead, back to its file and line. -#}
with

records as (

    select * from {{ ref('stg_raw__contacts') }}

),

final as (

    select
        contact_record_id,
        {{ dbt.hash('email') }} as lead_id,
        source_type,
        mapping,
        source_file,
        source_row,
        batch_id,
        captured_at,
        attributes,
        loaded_at
    from records

)

select * from final
