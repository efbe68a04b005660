//! Pool factory: instantiates pool contracts (keeping itself as their wasm admin) and upgrades
//! them to a newer pool code id when the governance owner decides to.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    ensure_eq, to_json_binary, Addr, Binary, Deps, DepsMut, Empty, Env, MessageInfo, Order, Reply,
    Response, StdError, StdResult, SubMsg, SubMsgResult, WasmMsg,
};
use cw_storage_plus::{Item, Map};
use thiserror::Error;

const CONTRACT_NAME: &str = "crates.io:pool-factory";
const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");
const INSTANTIATE_POOL_REPLY: u64 = 1;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("Unauthorized")]
    Unauthorized {},
    #[error("Unknown pool {0}")]
    UnknownPool(String),
}

#[cw_serde]
pub struct Config {
    pub owner: Addr,
    pub pool_code_id: u64,
}

pub const CONFIG: Item<Config> = Item::new("config");
/// pool address -> code id it runs
pub const POOLS: Map<&Addr, u64> = Map::new("pools");
pub const PENDING_PAIR: Item<String> = Item::new("pending_pair");

#[cw_serde]
pub struct InstantiateMsg {
    pub pool_code_id: u64,
}

#[cw_serde]
pub struct PoolInstantiateMsg {
    pub pair: String,
}

#[cw_serde]
pub enum ExecuteMsg {
    CreatePool { pair: String },
    SetPoolCodeId { code_id: u64 },
    /// Migrates a pool created by this factory to `new_code_id`.
    MigratePool { pool: String, new_code_id: u64 },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Vec<(Addr, u64)>)]
    Pools { limit: Option<u32> },
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(deps.storage, &Config { owner: info.sender, pool_code_id: msg.pool_code_id })?;
    Ok(Response::new().add_attribute("action", "instantiate"))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::CreatePool { pair } => execute_create_pool(deps, env, pair),
        ExecuteMsg::SetPoolCodeId { code_id } => {
            let mut config = CONFIG.load(deps.storage)?;
            ensure_eq!(info.sender, config.owner, ContractError::Unauthorized {});
            config.pool_code_id = code_id;
            CONFIG.save(deps.storage, &config)?;
            Ok(Response::new().add_attribute("action", "set_pool_code_id"))
        }
        ExecuteMsg::MigratePool { pool, new_code_id } => execute_migrate_pool(deps, info, pool, new_code_id),
    }
}

fn execute_create_pool(deps: DepsMut, env: Env, pair: String) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    PENDING_PAIR.save(deps.storage, &pair)?;
    let msg = WasmMsg::Instantiate {
        admin: Some(env.contract.address.to_string()),
        code_id: config.pool_code_id,
        msg: to_json_binary(&PoolInstantiateMsg { pair: pair.clone() })?,
        funds: vec![],
        label: format!("pool {pair}"),
    };
    Ok(Response::new()
        .add_submessage(SubMsg::reply_on_success(msg, INSTANTIATE_POOL_REPLY))
        .add_attribute("action", "create_pool")
        .add_attribute("pair", pair))
}

fn execute_migrate_pool(deps: DepsMut, info: MessageInfo, pool: String, new_code_id: u64) -> Result<Response, ContractError> {
    #[cfg(not(feature = "vulnerable"))]
    {
        let config = CONFIG.load(deps.storage)?;
        ensure_eq!(info.sender, config.owner, ContractError::Unauthorized {});
    }
    let pool = deps.api.addr_validate(&pool)?;
    if !POOLS.has(deps.storage, &pool) {
        return Err(ContractError::UnknownPool(pool.to_string()));
    }
    POOLS.save(deps.storage, &pool, &new_code_id)?;
    let migrate = WasmMsg::Migrate {
        contract_addr: pool.to_string(),
        new_code_id,
        msg: to_json_binary(&Empty {})?,
    };
    Ok(Response::new()
        .add_message(migrate)
        .add_attribute("action", "migrate_pool")
        .add_attribute("sender", info.sender)
        .add_attribute("pool", pool))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn reply(deps: DepsMut, _env: Env, msg: Reply) -> Result<Response, ContractError> {
    match (msg.id, msg.result) {
        (INSTANTIATE_POOL_REPLY, SubMsgResult::Ok(res)) => {
            let addr = res
                .events
                .iter()
                .find(|e| e.ty == "instantiate")
                .and_then(|e| e.attributes.iter().find(|a| a.key == "_contract_address"))
                .map(|a| a.value.clone())
                .ok_or_else(|| StdError::generic_err("no contract address in reply"))?;
            let addr = deps.api.addr_validate(&addr)?;
            let config = CONFIG.load(deps.storage)?;
            POOLS.save(deps.storage, &addr, &config.pool_code_id)?;
            PENDING_PAIR.remove(deps.storage);
            Ok(Response::new().add_attribute("pool", addr))
        }
        (id, _) => Err(StdError::generic_err(format!("unexpected reply {id}")).into()),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Pools { limit } => {
            let limit = limit.unwrap_or(10).min(30) as usize;
            let pools: StdResult<Vec<(Addr, u64)>> =
                POOLS.range(deps.storage, None, None, Order::Ascending).take(limit).collect();
            to_json_binary(&pools?)
        }
    }
}

